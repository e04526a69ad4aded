/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Read-only view of drongo-dp for /health and /metrics (see http_dp.h).
 * Every counter family lists all workers (label worker="N"), and the drop
 * family adds the main lcore (worker="main"), so sums over the label give
 * the box's totals.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "http_dp.h"
#include "http_expo.h"

#define HTTP_DP_MS 1000000ull

/* Worker counters: field, metric name, type, help. */
#define HTTP_DP_WORKER_STATS(X) \
	X(sessions_in_use, "drongo_dp_sessions", "gauge", \
		"media sessions in the worker's table") \
	X(sessions_max, "drongo_dp_sessions_max", "gauge", \
		"capacity of the worker's session table") \
	X(ports_in_use, "drongo_dp_ports_in_use", "gauge", \
		"relay ports held by sessions") \
	X(ports_total, "drongo_dp_ports", "gauge", \
		"relay ports in the worker's pool") \
	X(sessions_created, "drongo_dp_sessions_created_total", "counter", \
		"media sessions created") \
	X(sessions_deleted, "drongo_dp_sessions_deleted_total", "counter", \
		"media sessions deleted") \
	X(timeouts, "drongo_dp_media_timeouts_total", "counter", \
		"media sessions ended by the media timeout") \
	X(rx_pkts, "drongo_dp_rx_packets_total", "counter", \
		"packets received for relay") \
	X(rx_bytes, "drongo_dp_rx_bytes_total", "counter", \
		"bytes received for relay") \
	X(tx_pkts, "drongo_dp_tx_packets_total", "counter", \
		"packets relayed") \
	X(tx_bytes, "drongo_dp_tx_bytes_total", "counter", \
		"bytes relayed") \
	X(srtp_unprotected, "drongo_dp_srtp_unprotected_total", "counter", \
		"SRTP/SRTCP packets decrypted and verified") \
	X(srtp_protected, "drongo_dp_srtp_protected_total", "counter", \
		"SRTP/SRTCP packets encrypted") \
	X(cmds, "drongo_dp_commands_total", "counter", \
		"commands taken from the command ring") \
	X(cmd_errors, "drongo_dp_command_errors_total", "counter", \
		"commands answered with an error") \
	X(events_lost, "drongo_dp_events_lost_total", "counter", \
		"unsolicited events lost to a full event ring")

/* Main lcore counters: field, metric name, help. */
#define HTTP_DP_MAIN_STATS(X) \
	X(arp_replies, "drongo_dp_arp_replies_total", "ARP requests answered") \
	X(icmp_echo_replies, "drongo_dp_icmp_echo_replies_total", \
		"ICMP echo requests answered") \
	X(to_kernel, "drongo_dp_exception_to_kernel_total", \
		"packets handed to the kernel (TAP)") \
	X(from_kernel, "drongo_dp_exception_from_kernel_total", \
		"packets sent from the kernel (TAP)") \
	X(nic_imissed, "drongo_dp_nic_rx_missed_total", \
		"packets the NICs dropped for want of room") \
	X(nic_ierrors, "drongo_dp_nic_rx_errors_total", "NIC receive errors") \
	X(nic_oerrors, "drongo_dp_nic_tx_errors_total", "NIC transmit errors") \
	X(nic_rx_nombuf, "drongo_dp_nic_rx_nombuf_total", \
		"receive failures for want of mbufs")

static const char *const http_dp_drop_names[] = {
#define HTTP_DP_DROP_NAME_(up, low) #low,
	DG_DROPS(HTTP_DP_DROP_NAME_)
#undef HTTP_DP_DROP_NAME_
};

static void
dp_detach(struct http_dp *dp)
{
	dg_client_close(dp->c);
	dp->c = NULL;
}

bool
http_dp_up(struct http_dp *dp)
{
	struct dg_client_opts o;
	const struct dg_shm_hdr *h;
	uint64_t now = dg_shm_now_ns(), alive;
	char err[sizeof(dp->reason)];
	int ret;

	if (dp->c == NULL) {
		if (now < dp->next_try_ns)
			return false;
		dp->next_try_ns = now + HTTP_DP_RETRY_MS * HTTP_DP_MS;
		memset(&o, 0, sizeof(o));
		o.instance = dp->instance;
		o.name = dp->name[0] != '\0' ? dp->name : NULL;
		o.read_only = true;
		err[0] = '\0';
		ret = dg_client_open(&dp->c, &o, err, sizeof(err));
		if (ret < 0) {
			dp->c = NULL;
			snprintf(dp->reason, sizeof(dp->reason), "%s",
				err[0] != '\0' ? err : strerror(-ret));
			return false;
		}
	}
	h = dg_client_hdr(dp->c);
	if (h == NULL) {
		snprintf(dp->reason, sizeof(dp->reason), "%s",
			dg_client_error_text(dp->c));
		dp_detach(dp);
		return false;
	}
	if (atomic_load_explicit(&h->state, memory_order_acquire) !=
			DG_SHM_STATE_READY) {
		snprintf(dp->reason, sizeof(dp->reason),
			"drongo-dp (pid %u) is not ready", h->dp_pid);
		dp_detach(dp);
		return false;
	}
	alive = atomic_load_explicit(&h->alive_ns, memory_order_relaxed);
	if (alive + DG_SHM_DEAD_AFTER_MS * HTTP_DP_MS < now) {
		snprintf(dp->reason, sizeof(dp->reason),
			"drongo-dp (pid %u) not alive for %llu ms", h->dp_pid,
			(unsigned long long)((now - alive) / HTTP_DP_MS));
		dp_detach(dp);
		return false;
	}
	dp->reason[0] = '\0';
	return true;
}

static int
dp_health(void *arg, struct http_buf *out)
{
	struct http_dp *dp = arg;

	if (http_dp_up(dp))
		return 0;
	http_buf_str(out, dp->reason);
	return -ENOTCONN;
}

static void
dp_worker_label(char *buf, size_t len, unsigned int w)
{
	snprintf(buf, len, "%u", w);
}

static int
dp_metrics(void *arg, struct http_buf *out)
{
	const struct dg_shm_worker_stats *ws;
	const struct dg_shm_main_stats *ms;
	struct http_dp *dp = arg;
	struct http_label lab[2];
	unsigned int w, n, d;
	char wl[16];
	bool up;

	up = http_dp_up(dp);
	http_expo_single(out, "drongo_dp_up", "gauge",
		"1 while the local data plane (drongo-dp) is attached and alive",
		up ? 1 : 0);
	if (!up)
		return 0;
	n = dg_client_hdr(dp->c)->worker_count;
	http_expo_single(out, "drongo_dp_workers", "gauge",
		"worker lcores of the data plane", n);
	lab[0].name = "worker";
	lab[0].value = wl;
#define HTTP_DP_WORKER_EXPO_(field, name, type, help) \
	http_expo_family(out, name, type, help); \
	for (w = 0; w < n; w++) { \
		ws = dg_client_worker_stats(dp->c, w); \
		if (ws == NULL) \
			continue; \
		dp_worker_label(wl, sizeof(wl), w); \
		http_expo_sample(out, name, lab, 1, \
			dg_shm_stat_read(&ws->field)); \
	}
	HTTP_DP_WORKER_STATS(HTTP_DP_WORKER_EXPO_)
	/* Left out for a data plane older than the counter (ABI < 1.2):
	 * absent is not zero. */
	if (dg_shm_has_ssrc_evicted(dg_client_hdr(dp->c))) {
		HTTP_DP_WORKER_EXPO_(srtp_ssrc_evicted,
			"drongo_dp_srtp_ssrc_evicted_total", "counter",
			"SSRCs dropped from a full SRTP context to make room "
			"for a new one")
	}
#undef HTTP_DP_WORKER_EXPO_
	ms = dg_client_main_stats(dp->c);
	http_expo_family(out, "drongo_dp_drops_total", "counter",
		"packets dropped, by worker (\"main\": the slow path) and reason");
	lab[1].name = "reason";
	for (w = 0; w <= n; w++) {
		const uint64_t *drops;

		if (w < n) {
			ws = dg_client_worker_stats(dp->c, w);
			if (ws == NULL)
				continue;
			drops = ws->drops;
			dp_worker_label(wl, sizeof(wl), w);
		} else {
			if (ms == NULL)
				continue;
			drops = ms->drops;
			snprintf(wl, sizeof(wl), "main");
		}
		for (d = 0; d < DG_DROP__COUNT; d++) {
			lab[1].value = http_dp_drop_names[d];
			http_expo_sample(out, "drongo_dp_drops_total", lab, 2,
				dg_shm_stat_read(&drops[d]));
		}
	}
	if (ms == NULL)
		return 0;
#define HTTP_DP_MAIN_EXPO_(field, name, help) \
	http_expo_single(out, name, "counter", help, \
		dg_shm_stat_read(&ms->field));
	HTTP_DP_MAIN_STATS(HTTP_DP_MAIN_EXPO_)
#undef HTTP_DP_MAIN_EXPO_
	return 0;
}

int
http_dp_init(struct http_dp *dp, unsigned int instance, const char *name)
{
	memset(dp, 0, sizeof(*dp));
	dp->instance = instance;
	if (name != NULL) {
		if (strlen(name) >= sizeof(dp->name))
			return -EINVAL;
		snprintf(dp->name, sizeof(dp->name), "%s", name);
	}
	snprintf(dp->reason, sizeof(dp->reason), "not looked at yet");
	dp->health.kind = HTTP_PROVIDER_HEALTH;
	dp->health.name = "dataplane";
	dp->health.fn = dp_health;
	dp->health.arg = dp;
	dp->metrics.kind = HTTP_PROVIDER_METRICS;
	dp->metrics.name = "dataplane";
	dp->metrics.fn = dp_metrics;
	dp->metrics.arg = dp;
	return 0;
}

void
http_dp_fini(struct http_dp *dp)
{
	dp_detach(dp);
}

int
http_dp_register(struct http_dp *dp, struct http_registry *reg,
		bool required)
{
	int err;

	err = http_registry_add(reg, &dp->metrics);
	if (err < 0 || !required)
		return err;
	err = http_registry_add(reg, &dp->health);
	if (err < 0)
		http_registry_remove(reg, &dp->metrics);
	return err;
}

void
http_dp_unregister(struct http_dp *dp, struct http_registry *reg)
{
	http_registry_remove(reg, &dp->health);
	http_registry_remove(reg, &dp->metrics);
}
