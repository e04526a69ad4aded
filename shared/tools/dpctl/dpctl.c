/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * drongo-dpctl: the operator's and the tests' handle on a running
 * drongo-dp, through the same client library the control plane links
 * (dg_client). Creates, updates, queries, lists and deletes sessions,
 * flushes, prints statistics and the region's layout, and watches events.
 * Output is key=value words, one record per line, so that people read it
 * and scripts split it; errors go to stderr and the exit status is 0 on
 * success, 1 on failure, 2 on bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "dg_client.h"
#include "dpctl_parse.h"

#define DPCTL_EXIT_FAIL 1
#define DPCTL_EXIT_USAGE 2

struct dpctl {
	struct dg_client_opts opts;
	struct dg_client *c;
	unsigned int timeout_ms;
	unsigned int found;		/* sessions printed by a callback */
};

static const char *const dpctl_drop_names[] = {
#define DPCTL_DROP_NAME_(up, low) #low,
	DG_DROPS(DPCTL_DROP_NAME_)
#undef DPCTL_DROP_NAME_
};

static const char *const dpctl_leg_drop_names[] = {
#define DPCTL_LEG_DROP_NAME_(up, low) #low,
	DG_LEG_DROPS(DPCTL_LEG_DROP_NAME_)
#undef DPCTL_LEG_DROP_NAME_
};

static const char *const dpctl_msg_names[] = {
#define DPCTL_MSG_NAME_(up, low) #low,
	DG_MSGS(DPCTL_MSG_NAME_)
#undef DPCTL_MSG_NAME_
};

static void
dpctl_usage(FILE *f)
{
	fprintf(f,
		"usage: drongo-dpctl [--instance N | --shm NAME] [--timeout MS] COMMAND\n"
		"commands:\n"
		"  create --leg0 LEG --leg1 LEG [--id ID] [--worker W]\n"
		"         [--timeout-start S] [--timeout-stop S] [--latch-window S]\n"
		"  update ID --leg0 LEG --leg1 LEG [--timeout-start S] [--timeout-stop S]\n"
		"  show ID | delete ID | list | flush\n"
		"  stats | info\n"
		"  watch [--count N] [--for S]\n"
		"LEG words: relay=IP[:RTP_PORT] rtcp=PORT peer=IP:PORT peer_rtcp=PORT\n"
		"           mux strict latch srtp=SUITE:INKEY:OUTKEY\n"
		"  IPv6 with a port: [2001:db8::1]:30000; relay omitted = drongo-dp's\n"
		"  first relay address, relay port omitted = allocated; peer omitted = learn;\n"
		"  keys: base64 of master key + salt (as SDES inline:), INKEY is what\n"
		"  the peer protects with, OUTKEY what the relay protects with toward it.\n"
		"  suites: NONE AES_CM_128_HMAC_SHA1_80 AES_CM_128_HMAC_SHA1_32\n"
		"          AEAD_AES_128_GCM\n");
}

static int
dpctl_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
dpctl_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("drongo-dpctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return DPCTL_EXIT_FAIL;
}

static int
dpctl_uint_parse(const char *s, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0' || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int
dpctl_open(struct dpctl *d, bool read_only)
{
	char err[256];
	int ret;

	d->opts.read_only = read_only;
	d->opts.cmd_timeout_ms = d->timeout_ms;
	ret = dg_client_open(&d->c, &d->opts, err, sizeof(err));
	if (ret < 0)
		return dpctl_fail("%s", err);
	return 0;
}

static void
dpctl_cmd_init(struct dg_msg *m, uint16_t type, uint64_t id)
{
	memset(m, 0, sizeof(*m));
	m->hdr.type = type;
	m->hdr.session_id = id;
}

/* Send and wait; returns the ACK status, or the transport error. */
static int
dpctl_call(struct dpctl *d, unsigned int worker, struct dg_msg *cmd,
	   struct dg_msg *ack, dg_client_event_fn *fn, void *arg)
{
	int err;

	err = dg_client_call(d->c, worker, cmd, ack, fn, arg,
			     d->timeout_ms + 100);
	if (err < 0)
		return err;
	return ack->u.ack.status;
}

static void
dpctl_print_leg_stats(const char *pfx, const struct dg_msg_leg_stats *l,
		      uint64_t now)
{
	char peer[DPCTL_ADDR_STR];
	unsigned int i;

	dpctl_addr_format(peer, sizeof(peer), l->peer_family, l->peer_addr,
			  l->peer_port);
	printf(" %s_rtp=%u %s_rtcp=%u %s_peer=%s %s_srtp=%s", pfx, l->relay.rtp,
	       pfx, l->relay.rtcp, pfx, peer, pfx,
	       dpctl_suite_name(l->srtp_suite));
	printf(" %s_rx_pkts=%" PRIu64 " %s_rx_bytes=%" PRIu64
	       " %s_tx_pkts=%" PRIu64 " %s_tx_bytes=%" PRIu64, pfx, l->rx_pkts,
	       pfx, l->rx_bytes, pfx, l->tx_pkts, pfx, l->tx_bytes);
	if (l->last_rx_ns != 0 && now >= l->last_rx_ns)
		printf(" %s_idle_ms=%" PRIu64, pfx,
		       (now - l->last_rx_ns) / 1000000u);
	else
		printf(" %s_idle_ms=-", pfx);
	for (i = 0; i < DG_LEG_DROP__COUNT; i++)
		if (l->drops[i] != 0)
			printf(" %s_drop_%s=%u", pfx, dpctl_leg_drop_names[i],
			       l->drops[i]);
}

/* One line per event: the record scripts split. */
static void
dpctl_print_event(const struct dg_msg *m, unsigned int worker)
{
	static const char *const reasons[] = {
		"none", "never_started", "stopped",
	};
	uint64_t now = dg_shm_now_ns();
	unsigned int t = m->hdr.type;

	printf("event=%s session=%" PRIu64 " worker=%u",
	       t < DG_MSG__COUNT ? dpctl_msg_names[t] : "unknown",
	       m->hdr.session_id, worker);
	switch (t) {
	case DG_MSG_MEDIA_TIMEOUT:
		printf(" reason=%s", m->u.stats.reason < DG_TIMEOUT__COUNT ?
		       reasons[m->u.stats.reason] : "unknown");
		/* fall through */
	case DG_MSG_SESSION_STATS:
		dpctl_print_leg_stats("leg0", &m->u.stats.leg[0], now);
		dpctl_print_leg_stats("leg1", &m->u.stats.leg[1], now);
		break;
	case DG_MSG_ERROR:
		printf(" status=%d lost=%u text=\"%.*s\"", m->u.error.status,
		       m->u.error.lost, (int)sizeof(m->u.error.text),
		       m->u.error.text);
		break;
	case DG_MSG_ACK:
		printf(" status=%d", m->u.ack.status);
		break;
	default:
		break;
	}
	putchar('\n');
}

static void
dpctl_on_stats(void *arg, const struct dg_client_event *ev)
{
	struct dpctl *d = arg;

	if (ev->msg->hdr.type == DG_MSG_SESSION_STATS && ev->cookie != NULL)
		d->found++;
	dpctl_print_event(ev->msg, ev->worker);
}

struct dpctl_session_args {
	struct dg_msg msg;
	uint64_t id;
	long worker;
	bool have_leg[2];
};

/* The words of "create"/"update" after the command (and the ID). */
static int
dpctl_session_args(struct dpctl_session_args *a, int argc, char **argv)
{
	struct dg_msg_session *s = &a->msg.u.session;
	char err[256];
	uint64_t v;
	int i, j, leg;

	a->worker = -1;
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--leg0") == 0 ||
		    strcmp(argv[i], "--leg1") == 0) {
			leg = argv[i][5] - '0';
			for (j = i + 1; j < argc && strncmp(argv[j], "--", 2) != 0;
			     j++)
				;
			if (dpctl_leg_parse(&argv[i + 1], j - i - 1,
					    &s->leg[leg], 1, err,
					    sizeof(err)) < 0) {
				dpctl_fail("--leg%d: %s", leg, err);
				return DPCTL_EXIT_USAGE;
			}
			a->have_leg[leg] = true;
			i = j - 1;
			continue;
		}
		if (i + 1 >= argc)
			goto bad;
		if (strcmp(argv[i], "--id") == 0 &&
		    dpctl_uint_parse(argv[i + 1], UINT64_MAX, &v) == 0 && v != 0)
			a->id = v;
		else if (strcmp(argv[i], "--worker") == 0 &&
			 dpctl_uint_parse(argv[i + 1], DG_SHM_MAX_WORKERS - 1,
					  &v) == 0)
			a->worker = (long)v;
		else if (strcmp(argv[i], "--timeout-start") == 0 &&
			 dpctl_uint_parse(argv[i + 1], UINT16_MAX, &v) == 0)
			s->timeout_start_s = (uint16_t)v;
		else if (strcmp(argv[i], "--timeout-stop") == 0 &&
			 dpctl_uint_parse(argv[i + 1], UINT16_MAX, &v) == 0)
			s->timeout_stop_s = (uint16_t)v;
		else if (strcmp(argv[i], "--latch-window") == 0 &&
			 dpctl_uint_parse(argv[i + 1], UINT16_MAX, &v) == 0)
			s->latch_window_s = (uint16_t)v;
		else
			goto bad;
		i++;
	}
	if (!a->have_leg[0] || !a->have_leg[1]) {
		dpctl_fail("both --leg0 and --leg1 are needed");
		return DPCTL_EXIT_USAGE;
	}
	return 0;
bad:
	dpctl_fail("'%s': bad option or value", argv[i]);
	return DPCTL_EXIT_USAGE;
}

/* A leg without relay= uses drongo-dp's first relay address. */
static int
dpctl_default_relay(struct dpctl *d, struct dpctl_session_args *a)
{
	const struct dg_shm_hdr *hdr = dg_client_hdr(d->c);
	struct dg_msg_leg *leg;
	int i;

	for (i = 0; i < 2; i++) {
		leg = &a->msg.u.session.leg[i];
		if (leg->relay_family != DG_AF_NONE)
			continue;
		if (hdr->addr_count == 0) {
			dpctl_fail("leg%d: relay= missing and drongo-dp lists no relay address",
				   i);
			return -EINVAL;
		}
		leg->relay_family = hdr->addrs[0].family;
		memcpy(leg->relay_addr, hdr->addrs[0].addr, 16);
	}
	return 0;
}

/* The worker a session with these legs must go to, from its ports. */
static int
dpctl_session_worker(struct dpctl *d, struct dpctl_session_args *a)
{
	const struct dg_shm_hdr *hdr = dg_client_hdr(d->c);
	const struct dg_msg_leg *leg;
	int owner = -1, w, i;

	for (i = 0; i < 2; i++) {
		leg = &a->msg.u.session.leg[i];
		if (leg->relay_rtp_port == 0)
			continue;
		w = dg_shm_port_worker(hdr, leg->relay_rtp_port);
		if (w < 0) {
			dpctl_fail("leg%d: port %u is outside the relay range %u-%u",
				   i, leg->relay_rtp_port, hdr->port_min,
				   hdr->port_max);
			return -EINVAL;
		}
		if (owner >= 0 && w != owner) {
			dpctl_fail("ports of leg0 and leg1 belong to workers %d and %d; a session lives on one",
				   owner, w);
			return -EINVAL;
		}
		owner = w;
	}
	if (owner >= 0 && a->worker >= 0 && a->worker != owner) {
		dpctl_fail("--worker %ld does not own the ports (worker %d does)",
			   a->worker, owner);
		return -EINVAL;
	}
	if (owner >= 0)
		return owner;
	if (a->worker >= 0 && (unsigned long)a->worker >= hdr->worker_count) {
		dpctl_fail("no worker %ld (drongo-dp has %u)", a->worker,
			   hdr->worker_count);
		return -EINVAL;
	}
	if (a->worker >= 0)
		return (int)a->worker;
	w = dg_client_pick_worker(d->c);
	if (w < 0)
		dpctl_fail("no worker can take a session: %s", strerror(-w));
	return w;
}

static int
dpctl_create(struct dpctl *d, int argc, char **argv)
{
	struct dpctl_session_args a;
	const struct dg_shm_hdr *hdr;
	char relay[2][DPCTL_ADDR_STR];
	struct dg_msg ack;
	int ret, w, i;

	memset(&a, 0, sizeof(a));
	ret = dpctl_session_args(&a, argc, argv);
	if (ret != 0)
		return ret;
	if (a.id == 0 && getrandom(&a.id, sizeof(a.id), 0) != sizeof(a.id))
		return dpctl_fail("getrandom: %s", strerror(errno));
	a.id |= 1;
	if (dpctl_open(d, false) != 0)
		return DPCTL_EXIT_FAIL;
	hdr = dg_client_hdr(d->c);
	if (dpctl_default_relay(d, &a) < 0)
		return DPCTL_EXIT_FAIL;
	w = dpctl_session_worker(d, &a);
	if (w < 0)
		return DPCTL_EXIT_FAIL;
	a.msg.hdr.type = DG_MSG_SESSION_CREATE;
	a.msg.hdr.session_id = a.id;
	ret = dpctl_call(d, (unsigned int)w, &a.msg, &ack, dpctl_on_stats, d);
	if (ret < 0)
		return dpctl_fail("create: worker %d: %s", w, strerror(-ret));
	for (i = 0; i < 2; i++)
		dpctl_addr_format(relay[i], sizeof(relay[i]),
				  a.msg.u.session.leg[i].relay_family,
				  a.msg.u.session.leg[i].relay_addr,
				  ack.u.ack.leg[i].rtp);
	printf("session=%" PRIu64 " worker=%d generation=%" PRIu64
	       " leg0_relay=%s leg0_rtp=%u leg0_rtcp=%u"
	       " leg1_relay=%s leg1_rtp=%u leg1_rtcp=%u\n",
	       a.id, w, hdr->generation, relay[0], ack.u.ack.leg[0].rtp,
	       ack.u.ack.leg[0].rtcp, relay[1], ack.u.ack.leg[1].rtp,
	       ack.u.ack.leg[1].rtcp);
	return 0;
}

/*
 * Send @p cmd to every worker until one does not answer -ENOENT (the
 * owner, for a session id the tool cannot place).
 */
static int
dpctl_to_owner(struct dpctl *d, struct dg_msg *cmd, struct dg_msg *ack,
	       unsigned int *worker)
{
	const struct dg_shm_hdr *hdr = dg_client_hdr(d->c);
	struct dg_msg copy;
	unsigned int w;
	int ret = -ENOENT;

	for (w = 0; w < hdr->worker_count; w++) {
		copy = *cmd;
		ret = dpctl_call(d, w, &copy, ack, dpctl_on_stats, d);
		if (ret != -ENOENT) {
			*worker = w;
			break;
		}
	}
	return ret;
}

static int
dpctl_update(struct dpctl *d, int argc, char **argv)
{
	struct dpctl_session_args a;
	struct dg_msg ack;
	unsigned int w = 0;
	uint64_t id;
	int ret;

	if (argc < 1 || dpctl_uint_parse(argv[0], UINT64_MAX, &id) < 0) {
		dpctl_fail("update: session id missing");
		return DPCTL_EXIT_USAGE;
	}
	memset(&a, 0, sizeof(a));
	ret = dpctl_session_args(&a, argc - 1, argv + 1);
	if (ret != 0)
		return ret;
	if (dpctl_open(d, false) != 0)
		return DPCTL_EXIT_FAIL;
	if (dpctl_default_relay(d, &a) < 0)
		return DPCTL_EXIT_FAIL;
	a.msg.hdr.type = DG_MSG_SESSION_UPDATE;
	a.msg.hdr.session_id = id;
	ret = dpctl_to_owner(d, &a.msg, &ack, &w);
	if (ret < 0)
		return dpctl_fail("update %" PRIu64 ": %s", id, strerror(-ret));
	printf("updated=%" PRIu64 " worker=%u leg0_rtp=%u leg0_rtcp=%u"
	       " leg1_rtp=%u leg1_rtcp=%u\n", id, w, ack.u.ack.leg[0].rtp,
	       ack.u.ack.leg[0].rtcp, ack.u.ack.leg[1].rtp,
	       ack.u.ack.leg[1].rtcp);
	return 0;
}

/* show and delete: one session id, found on whichever worker has it. */
static int
dpctl_by_id(struct dpctl *d, uint16_t type, int argc, char **argv)
{
	struct dg_msg cmd, ack;
	unsigned int w = 0;
	uint64_t id;
	int ret;

	if (argc != 1 || dpctl_uint_parse(argv[0], UINT64_MAX, &id) < 0 ||
	    id == 0) {
		dpctl_fail("session id missing or invalid");
		return DPCTL_EXIT_USAGE;
	}
	if (dpctl_open(d, false) != 0)
		return DPCTL_EXIT_FAIL;
	dpctl_cmd_init(&cmd, type, id);
	ret = dpctl_to_owner(d, &cmd, &ack, &w);
	if (ret == -ENOENT)
		return dpctl_fail("session %" PRIu64 " not found", id);
	if (ret < 0)
		return dpctl_fail("%s %" PRIu64 ": %s", dpctl_msg_names[type],
				  id, strerror(-ret));
	if (type == DG_MSG_SESSION_DELETE)
		printf("deleted=%" PRIu64 " worker=%u\n", id, w);
	return 0;
}

/* list and flush: every worker. */
static int
dpctl_all(struct dpctl *d, uint16_t type)
{
	const struct dg_shm_hdr *hdr;
	struct dg_msg cmd, ack;
	uint64_t count = 0;
	unsigned int w;
	int ret, fails = 0;

	/* A dump of a full table takes a while. */
	if (type == DG_MSG_STATS_REQUEST && d->timeout_ms < 60000)
		d->timeout_ms = 60000;
	if (dpctl_open(d, false) != 0)
		return DPCTL_EXIT_FAIL;
	hdr = dg_client_hdr(d->c);
	for (w = 0; w < hdr->worker_count; w++) {
		dpctl_cmd_init(&cmd, type, 0);
		ret = dpctl_call(d, w, &cmd, &ack, dpctl_on_stats, d);
		if (ret < 0) {
			dpctl_fail("%s: worker %u: %s", dpctl_msg_names[type], w,
				   strerror(-ret));
			fails++;
			continue;
		}
		count += ack.u.ack.count;
	}
	if (type == DG_MSG_FLUSH)
		printf("flushed=%" PRIu64 "\n", count);
	else
		printf("sessions=%u\n", d->found);
	return fails == 0 ? 0 : DPCTL_EXIT_FAIL;
}

static void
dpctl_print_drops(const uint64_t *drops)
{
	unsigned int i;

	for (i = 0; i < DG_DROP__COUNT; i++)
		printf(" drop_%s=%" PRIu64, dpctl_drop_names[i],
		       dg_shm_stat_read(&drops[i]));
}

static int
dpctl_stats(struct dpctl *d)
{
	const struct dg_shm_worker_stats *s;
	const struct dg_shm_main_stats *m;
	const struct dg_shm_hdr *hdr;
	unsigned int w;

	if (dpctl_open(d, true) != 0)
		return DPCTL_EXIT_FAIL;
	hdr = dg_client_hdr(d->c);
	for (w = 0; w < hdr->worker_count; w++) {
		s = dg_client_worker_stats(d->c, w);
		printf("worker=%u sessions=%" PRIu64 " sessions_max=%" PRIu64
		       " ports_in_use=%" PRIu64 " ports_total=%" PRIu64
		       " rx_pkts=%" PRIu64 " rx_bytes=%" PRIu64
		       " tx_pkts=%" PRIu64 " tx_bytes=%" PRIu64
		       " srtp_unprotected=%" PRIu64 " srtp_protected=%" PRIu64
		       " cmds=%" PRIu64 " cmd_errors=%" PRIu64
		       " events=%" PRIu64 " events_lost=%" PRIu64
		       " timeouts=%" PRIu64 " created=%" PRIu64
		       " deleted=%" PRIu64, w,
		       dg_shm_stat_read(&s->sessions_in_use),
		       dg_shm_stat_read(&s->sessions_max),
		       dg_shm_stat_read(&s->ports_in_use),
		       dg_shm_stat_read(&s->ports_total),
		       dg_shm_stat_read(&s->rx_pkts),
		       dg_shm_stat_read(&s->rx_bytes),
		       dg_shm_stat_read(&s->tx_pkts),
		       dg_shm_stat_read(&s->tx_bytes),
		       dg_shm_stat_read(&s->srtp_unprotected),
		       dg_shm_stat_read(&s->srtp_protected),
		       dg_shm_stat_read(&s->cmds),
		       dg_shm_stat_read(&s->cmd_errors),
		       dg_shm_stat_read(&s->events),
		       dg_shm_stat_read(&s->events_lost),
		       dg_shm_stat_read(&s->timeouts),
		       dg_shm_stat_read(&s->sessions_created),
		       dg_shm_stat_read(&s->sessions_deleted));
		if (dg_shm_has_ssrc_evicted(hdr))
			printf(" srtp_ssrc_evicted=%" PRIu64,
			       dg_shm_stat_read(&s->srtp_ssrc_evicted));
		dpctl_print_drops(s->drops);
		putchar('\n');
	}
	m = dg_client_main_stats(d->c);
	printf("main arp_replies=%" PRIu64 " icmp_echo_replies=%" PRIu64
	       " to_kernel=%" PRIu64 " from_kernel=%" PRIu64
	       " nic_imissed=%" PRIu64 " nic_ierrors=%" PRIu64
	       " nic_oerrors=%" PRIu64 " nic_rx_nombuf=%" PRIu64,
	       dg_shm_stat_read(&m->arp_replies),
	       dg_shm_stat_read(&m->icmp_echo_replies),
	       dg_shm_stat_read(&m->to_kernel),
	       dg_shm_stat_read(&m->from_kernel),
	       dg_shm_stat_read(&m->nic_imissed),
	       dg_shm_stat_read(&m->nic_ierrors),
	       dg_shm_stat_read(&m->nic_oerrors),
	       dg_shm_stat_read(&m->nic_rx_nombuf));
	dpctl_print_drops(m->drops);
	putchar('\n');
	return 0;
}

static int
dpctl_info(struct dpctl *d)
{
	static const char *const states[] = { "init", "ready", "stopped" };
	const struct dg_shm_hdr *h;
	char addr[DPCTL_ADDR_STR];
	uint64_t alive, now;
	unsigned int i, st;

	if (dpctl_open(d, true) != 0)
		return DPCTL_EXIT_FAIL;
	h = dg_client_hdr(d->c);
	st = atomic_load_explicit(&h->state, memory_order_acquire);
	alive = atomic_load_explicit(&h->alive_ns, memory_order_relaxed);
	now = dg_shm_now_ns();
	printf("abi=%u.%u generation=%" PRIu64 " state=%s dp_pid=%u"
	       " alive_age_ms=%" PRIu64 " workers=%u cmd_ring_slots=%u"
	       " evt_ring_slots=%u sessions_per_worker=%u port_min=%u"
	       " port_max=%u port_base=%u port_block=%u client_pid=%u\n",
	       h->abi_major, h->abi_minor, h->generation,
	       st < DG_SHM_STATE__COUNT ? states[st] : "unknown", h->dp_pid,
	       now > alive ? (now - alive) / 1000000u : 0, h->worker_count,
	       h->cmd_ring_slots, h->evt_ring_slots, h->sessions_per_worker,
	       h->port_min, h->port_max, h->port_base, 1u << h->port_shift,
	       atomic_load_explicit(&h->client_pid, memory_order_relaxed));
	for (i = 0; i < h->addr_count && i < DG_SHM_MAX_ADDRS_ALL; i++) {
		dpctl_addr_format(addr, sizeof(addr),
				  dg_shm_addr_at(h, i)->family,
				  dg_shm_addr_at(h, i)->addr, 0);
		/* Drop the ":0" of the formatter: addresses have no port. */
		addr[strlen(addr) - 2] = '\0';
		printf("relay_addr=%s\n", addr);
	}
	for (i = 0; i < h->worker_count; i++)
		printf("worker=%u lcore=%u port_first=%u port_last=%u\n", i,
		       h->workers[i].lcore_id, h->workers[i].port_first,
		       h->workers[i].port_last);
	return 0;
}

struct dpctl_watch {
	uint64_t seen;
};

static void
dpctl_on_watch(void *arg, const struct dg_client_event *ev)
{
	struct dpctl_watch *wt = arg;

	wt->seen++;
	dpctl_print_event(ev->msg, ev->worker);
}

static int
dpctl_watch(struct dpctl *d, int argc, char **argv)
{
	const struct timespec nap = { .tv_sec = 0, .tv_nsec = 1000000 };
	struct dpctl_watch wt = { 0 };
	uint64_t count = 0, secs = 10, deadline;
	int i;

	for (i = 0; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--count") == 0 &&
		    dpctl_uint_parse(argv[i + 1], UINT32_MAX, &count) == 0)
			continue;
		if (strcmp(argv[i], "--for") == 0 &&
		    dpctl_uint_parse(argv[i + 1], 86400, &secs) == 0)
			continue;
		break;
	}
	if (i != argc) {
		dpctl_fail("watch: bad option '%s'", argv[i]);
		return DPCTL_EXIT_USAGE;
	}
	if (dpctl_open(d, false) != 0)
		return DPCTL_EXIT_FAIL;
	deadline = dg_shm_now_ns() + secs * 1000000000ull;
	while (dg_shm_now_ns() < deadline && (count == 0 || wt.seen < count)) {
		if (dg_client_poll_events(d->c, dpctl_on_watch, &wt,
					  count != 0 ? (unsigned int)(count - wt.seen) : 0) == 0)
			(void)nanosleep(&nap, NULL);
		(void)fflush(stdout);
		if (!dg_client_connected(d->c))
			return dpctl_fail("%s", dg_client_error_text(d->c));
	}
	if (count != 0 && wt.seen < count)
		return dpctl_fail("watch: %" PRIu64 " of %" PRIu64 " events in %" PRIu64 " s",
				  wt.seen, count, secs);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "instance", required_argument, NULL, 'i' },
		{ "shm", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct dpctl d;
	const char *cmd;
	uint64_t v;
	int opt, ret;

	memset(&d, 0, sizeof(d));
	d.timeout_ms = 2000;
	while ((opt = getopt_long(argc, argv, "+i:s:t:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'i':
			if (dpctl_uint_parse(optarg, UINT32_MAX, &v) < 0)
				goto usage;
			d.opts.instance = (unsigned int)v;
			break;
		case 's':
			d.opts.name = optarg;
			break;
		case 't':
			if (dpctl_uint_parse(optarg, 3600000, &v) < 0 || v == 0)
				goto usage;
			d.timeout_ms = (unsigned int)v;
			break;
		case 'h':
			dpctl_usage(stdout);
			return 0;
		default:
			goto usage;
		}
	}
	if (optind >= argc)
		goto usage;
	cmd = argv[optind];
	argc -= optind + 1;
	argv += optind + 1;
	if (strcmp(cmd, "create") == 0)
		ret = dpctl_create(&d, argc, argv);
	else if (strcmp(cmd, "update") == 0)
		ret = dpctl_update(&d, argc, argv);
	else if (strcmp(cmd, "show") == 0)
		ret = dpctl_by_id(&d, DG_MSG_SESSION_QUERY, argc, argv);
	else if (strcmp(cmd, "delete") == 0)
		ret = dpctl_by_id(&d, DG_MSG_SESSION_DELETE, argc, argv);
	else if (strcmp(cmd, "list") == 0 && argc == 0)
		ret = dpctl_all(&d, DG_MSG_STATS_REQUEST);
	else if (strcmp(cmd, "flush") == 0 && argc == 0)
		ret = dpctl_all(&d, DG_MSG_FLUSH);
	else if (strcmp(cmd, "stats") == 0 && argc == 0)
		ret = dpctl_stats(&d);
	else if (strcmp(cmd, "info") == 0 && argc == 0)
		ret = dpctl_info(&d);
	else if (strcmp(cmd, "watch") == 0)
		ret = dpctl_watch(&d, argc, argv);
	else
		goto usage;
	dg_client_close(d.c);
	return ret;
usage:
	dpctl_usage(stderr);
	return DPCTL_EXIT_USAGE;
}
