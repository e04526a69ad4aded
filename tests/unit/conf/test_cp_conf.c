/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * drongo's configuration loader: a good file gives the values written, the
 * embedded default is byte-for-byte config/drongo.yaml and means the same,
 * and every kind of bad value fails with the exact "file:line: key: reason".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cp_conf.h"

static const char *shipped_path;

static int
load(struct cp_conf *conf, const char *text, char *err, size_t errlen)
{
	err[0] = '\0';
	return cp_conf_load_buf(conf, "drongo.yaml", text, strlen(text), err,
		errlen);
}

static void
expect_error(const char *text, const char *message)
{
	struct cp_conf conf;
	char err[512];

	assert_int_equal(load(&conf, text, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, message);
}

static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Every key of a complete file lands in the struct as written. */
static void
test_good_file(void **state)
{
	static const char text[] =
		"node:\n"
		"  role: lb\n"
		"  name: edge-7\n"
		"sip:\n"
		"  listen:\n"
		"    - udp:127.0.0.1:5070\n"
		"    - tcp:[::1]:5071\n"
		"    - { transport: tcp, address: 10.0.0.1, port: 5072 }\n"
		"    - transport: udp\n"
		"      address: \"::\"\n"
		"  domains: [sip.example.com, example.net]\n"
		"  max_message_size: 4096\n"
		"  tcp_idle_timeout: 30s\n"
		"  t1: 250\n"
		"  t2: 2s\n"
		"  t4: 1m\n"
		"log:\n"
		"  level: debug\n"
		"limits:\n"
		"  udp_buffers: 64\n"
		"  udp_socket_buffer: 1048576\n"
		"  tcp_connections: 10\n";
	const struct sockaddr_in *sin;
	const struct sockaddr_in6 *sin6;
	struct cp_conf conf;
	char err[512], buf[64];

	(void)state;
	assert_int_equal(load(&conf, text, err, sizeof(err)), 0);
	assert_int_equal(conf.role, CP_ROLE_LB);
	assert_string_equal(conf.name, "edge-7");
	assert_int_equal(conf.n_listen, 4);
	assert_int_equal(conf.listen[0].transport, CP_TP_UDP);
	sin = (const struct sockaddr_in *)&conf.listen[0].addr;
	assert_int_equal(sin->sin_family, AF_INET);
	assert_int_equal(ntohl(sin->sin_addr.s_addr), 0x7f000001);
	assert_int_equal(ntohs(sin->sin_port), 5070);
	assert_int_equal(conf.listen[0].line, 6);
	sin6 = (const struct sockaddr_in6 *)&conf.listen[1].addr;
	assert_int_equal(conf.listen[1].transport, CP_TP_TCP);
	assert_int_equal(sin6->sin6_family, AF_INET6);
	assert_true(IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr));
	assert_int_equal(ntohs(sin6->sin6_port), 5071);
	assert_string_equal(cp_listen_str(&conf.listen[2], buf, sizeof(buf)),
		"tcp:10.0.0.1:5072");
	assert_string_equal(cp_listen_str(&conf.listen[3], buf, sizeof(buf)),
		"udp:[::]:5060");
	assert_int_equal(conf.n_domains, 2);
	assert_string_equal(conf.domains[0], "sip.example.com");
	assert_string_equal(conf.domains[1], "example.net");
	assert_int_equal(conf.max_message_size, 4096);
	assert_int_equal(conf.tcp_idle_timeout_ms, 30000);
	assert_int_equal(conf.t1_ms, 250);
	assert_int_equal(conf.t2_ms, 2000);
	assert_int_equal(conf.t4_ms, 60000);
	assert_int_equal(conf.log_level, DG_LOG_DEBUG);
	assert_int_equal(conf.udp_buffers, 64);
	assert_int_equal(conf.udp_socket_buffer, 1048576);
	assert_int_equal(conf.tcp_connections, 10);
}

/*
 * The embedded default is the shipped file's bytes and means the same
 * configuration; it is the appliance (media anchored in the local data
 * plane), where an empty file leaves media optional.
 */
static void
test_embedded_default_is_shipped_file(void **state)
{
	struct cp_conf def, file, empty;
	char err[512], buf[64];
	size_t len;
	char *text;

	(void)state;
	text = read_file(shipped_path, &len);
	assert_int_equal(cp_conf_default_len, len);
	assert_memory_equal(cp_conf_default_yaml, text, len);
	assert_int_equal(cp_conf_default_yaml[len], '\0');
	free(text);
	assert_int_equal(cp_conf_load_default(&def, err, sizeof(err)), 0);
	assert_int_equal(cp_conf_load_file(&file, shipped_path, err,
		sizeof(err)), 0);
	assert_int_equal(load(&empty, "", err, sizeof(err)), 0);
	assert_string_equal(def.source, "<embedded>");
	assert_int_equal(def.n_listen, 4);
	assert_string_equal(cp_listen_str(&def.listen[0], buf, sizeof(buf)),
		"udp:0.0.0.0:5060");
	assert_string_equal(cp_listen_str(&def.listen[1], buf, sizeof(buf)),
		"tcp:0.0.0.0:5060");
	assert_string_equal(cp_listen_str(&def.listen[2], buf, sizeof(buf)),
		"udp:[::]:5060");
	assert_string_equal(cp_listen_str(&def.listen[3], buf, sizeof(buf)),
		"tcp:[::]:5060");
	assert_int_equal(def.media.required, CP_MEDIA_REQUIRED_TRUE);
	assert_int_equal(empty.media.required, CP_MEDIA_REQUIRED_AUTO);
	/* Same meaning: equal apart from where it came from and line numbers. */
	memset(def.source, 0, sizeof(def.source));
	memset(file.source, 0, sizeof(file.source));
	memset(empty.source, 0, sizeof(empty.source));
	for (len = 0; len < CP_CONF_MAX_LISTEN; len++)
		empty.listen[len].line = def.listen[len].line;
	assert_memory_equal(&def, &file, sizeof(def));
	empty.media.required = def.media.required;
	assert_memory_equal(&def, &empty, sizeof(def));
}

/* Empty sections and a mapping listener without a port take the defaults. */
static void
test_defaults_fill_gaps(void **state)
{
	struct cp_conf conf;
	char err[512], buf[64];

	(void)state;
	assert_int_equal(load(&conf, "node:\nsip:\n  listen:\n"
		"    - { transport: tcp, address: \"::1\" }\nlog:\nlimits:\n",
		err, sizeof(err)), 0);
	assert_int_equal(conf.role, CP_ROLE_EDGE);
	assert_string_equal(conf.name, "drongo");
	assert_int_equal(conf.n_listen, 1);
	assert_string_equal(cp_listen_str(&conf.listen[0], buf, sizeof(buf)),
		"tcp:[::1]:5060");
	assert_int_equal(conf.log_level, DG_LOG_INFO);
	assert_int_equal(conf.udp_buffers, 256);
	assert_int_equal(conf.tcp_idle_timeout_ms, 120000);
}

/* Out-of-range and malformed listen entries name the line and the port. */
static void
test_bad_listen(void **state)
{
	(void)state;
	expect_error("sip:\n  listen:\n    - udp:0.0.0.0:5060\n"
		"    - udp:0.0.0.0:70000\n",
		"drongo.yaml:4: listen: port 70000 out of range");
	expect_error("sip:\n  listen:\n    - udp:0.0.0.0:0\n",
		"drongo.yaml:3: listen: port 0 out of range");
	expect_error("sip:\n  listen:\n    - udp:0.0.0.0:50x\n",
		"drongo.yaml:3: listen: bad port '50x'");
	expect_error("sip:\n  listen:\n    - sctp:0.0.0.0:5060\n",
		"drongo.yaml:3: listen: unknown transport 'sctp' (expected udp|tcp)");
	expect_error("sip:\n  listen:\n    - udp:1.2.3:5060\n",
		"drongo.yaml:3: listen: bad address '1.2.3' (expected an IPv4 or IPv6 literal)");
	expect_error("sip:\n  listen:\n    - udp:::1:5060\n",
		"drongo.yaml:3: listen: IPv6 address '::1' needs brackets: [addr]:port");
	expect_error("sip:\n  listen:\n    - udp5060\n",
		"drongo.yaml:3: listen: 'udp5060' is not transport:address:port");
	expect_error("sip:\n  listen:\n    - udp:0.0.0.0:5060\n    - udp:0.0.0.0:5060\n",
		"drongo.yaml:4: listen: duplicate of the listener on line 3");
	expect_error("sip:\n  listen: []\n",
		"drongo.yaml:2: listen: at least one listener is needed");
	expect_error("sip:\n  listen: udp:0.0.0.0:5060\n",
		"drongo.yaml:2: listen: expected a list");
	expect_error("sip:\n  listen:\n    - { transport: udp, address: \"::1\", port: 99999 }\n",
		"drongo.yaml:3: port: port 99999 out of range");
	expect_error("sip:\n  listen:\n    - { transport: tls, address: \"::1\" }\n",
		"drongo.yaml:3: transport: unknown value 'tls' (expected udp|tcp)");
	expect_error("sip:\n  listen:\n    - { transport: udp }\n",
		"drongo.yaml:3: listen: missing address");
	expect_error("sip:\n  listen:\n    - { transport: udp, address: \"::1\", bind: x }\n",
		"drongo.yaml:3: bind: unknown key");
}

/* Every typed value rejects what it cannot hold, with its own reason. */
static void
test_bad_values(void **state)
{
	(void)state;
	expect_error("node:\n  role: proxy\n",
		"drongo.yaml:2: role: unknown value 'proxy' (expected edge|media|lb)");
	expect_error("node:\n  name: \"\"\n", "drongo.yaml:2: name: empty value");
	expect_error("node:\n  name: edge 1\n",
		"drongo.yaml:2: name: 'edge 1' may hold only letters, digits, '.', '-' and '_'");
	expect_error("sip:\n  max_message_size: 100\n",
		"drongo.yaml:2: max_message_size: 100 out of range (1024..65507)");
	expect_error("sip:\n  max_message_size: big\n",
		"drongo.yaml:2: max_message_size: 'big' is not a number");
	expect_error("sip:\n  max_message_size: -5\n",
		"drongo.yaml:2: max_message_size: '-5' is not a number");
	expect_error("sip:\n  max_message_size: 99999999999999999999999\n",
		"drongo.yaml:2: max_message_size: 99999999999999999999999 out of range (1024..65507)");
	expect_error("sip:\n  tcp_idle_timeout: 5h\n",
		"drongo.yaml:2: tcp_idle_timeout: '5h' is not a duration (use ms, s or m)");
	expect_error("sip:\n  tcp_idle_timeout: 10ms\n",
		"drongo.yaml:2: tcp_idle_timeout: 10ms out of range (1000ms..86400000ms)");
	expect_error("sip:\n  t1: 1s\n  t2: 500ms\n",
		"drongo.yaml:3: t2: t2 (500ms) must not be below t1 (1000ms)");
	expect_error("sip:\n  domains: [a, [b]]\n",
		"drongo.yaml:2: domains: expected a scalar value");
	expect_error("log:\n  level: verbose\n",
		"drongo.yaml:2: level: unknown value 'verbose' (expected error|warn|info|debug)");
	expect_error("limits:\n  udp_buffers: 100\n",
		"drongo.yaml:2: udp_buffers: 100 is not a power of two");
	expect_error("limits:\n  udp_socket_buffer: 1000\n",
		"drongo.yaml:2: udp_socket_buffer: 1000 out of range (65536..268435456)");
	expect_error("limits:\n  tcp_connections: 0\n",
		"drongo.yaml:2: tcp_connections: 0 out of range (1..1000000)");
	expect_error("log: [info]\n", "drongo.yaml:1: log: expected a mapping");
}

/* Unknown keys are errors at every level, named with their line. */
static void
test_unknown_keys(void **state)
{
	(void)state;
	expect_error("node:\n  role: edge\nstats:\n  port: 8080\n",
		"drongo.yaml:3: stats: unknown key");
	expect_error("http:\n  port: 8080\n",
		"drongo.yaml:2: port: unknown key");
	expect_error("sip:\n  listen:\n    - udp:0.0.0.0:5060\n  lisen: x\n",
		"drongo.yaml:4: lisen: unknown key");
	expect_error("log:\n  level: info\n  file: /tmp/x\n",
		"drongo.yaml:3: file: unknown key");
}

/* YAML-level problems come back with their line too. */
static void
test_yaml_errors(void **state)
{
	(void)state;
	expect_error("sip:\n  listen: [udp:0.0.0.0:5060\n",
		"drongo.yaml:3: did not find expected ',' or ']'");
	expect_error("log:\n  level: info\n  level: debug\n",
		"drongo.yaml:3: level: duplicate key");
	expect_error("node: &n\n  role: edge\nlog: *n\n",
		"drongo.yaml:3: log: aliases are not supported");
	expect_error("- a\n- b\n", "drongo.yaml:1: expected a mapping");
	expect_error("log: {}\n---\nlog: {}\n",
		"drongo.yaml:2: only one document is allowed");
}

/* A missing file reports the path and the system's reason. */
static void
test_missing_file(void **state)
{
	struct cp_conf conf;
	char err[512];

	(void)state;
	assert_int_equal(cp_conf_load_file(&conf, "/nonexistent/drongo.yaml",
		err, sizeof(err)), -ENOENT);
	assert_string_equal(err,
		"/nonexistent/drongo.yaml: No such file or directory");
}

static const char *
addr_text(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(sin6->sin6_port));
	} else {
		const struct sockaddr_in *sin = (const void *)ss;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(sin->sin_port));
	}
	return buf;
}

/* http: loopback :8080 by default; listen, limits and switches as written. */
static void
test_http_section(void **state)
{
	struct cp_conf conf;
	char err[512], buf[64];

	(void)state;
	assert_int_equal(load(&conf, "", err, sizeof(err)), 0);
	assert_true(conf.http_enabled);
	assert_int_equal(conf.n_http_listen, 2);
	assert_string_equal(addr_text(&conf.http_listen[0], buf, sizeof(buf)),
		"127.0.0.1:8080");
	assert_string_equal(addr_text(&conf.http_listen[1], buf, sizeof(buf)),
		"[::1]:8080");
	assert_int_equal(conf.http_max_connections, 64);
	assert_int_equal(conf.http_idle_timeout_ms, 10000);
	assert_int_equal(conf.media.required, CP_MEDIA_REQUIRED_AUTO);
	assert_true(cp_conf_media_required(&conf));
	assert_int_equal(load(&conf, "http:\n  enabled: false\n"
		"  listen: [\"0.0.0.0:9100\"]\n  max_connections: 3\n"
		"  idle_timeout: 2s\nmedia:\n  required: false\n",
		err, sizeof(err)), 0);
	assert_false(conf.http_enabled);
	assert_int_equal(conf.n_http_listen, 1);
	assert_string_equal(addr_text(&conf.http_listen[0], buf, sizeof(buf)),
		"0.0.0.0:9100");
	assert_int_equal(conf.http_max_connections, 3);
	assert_int_equal(conf.http_idle_timeout_ms, 2000);
	assert_false(cp_conf_media_required(&conf));
	/* auto: the balancer has no data plane to wait for. */
	assert_int_equal(load(&conf, "node:\n  role: lb\n", err, sizeof(err)), 0);
	assert_false(cp_conf_media_required(&conf));
	assert_int_equal(load(&conf, "node:\n  role: lb\nmedia:\n"
		"  required: true\n", err, sizeof(err)), 0);
	assert_true(cp_conf_media_required(&conf));
	expect_error("http:\n  listen:\n    - 127.0.0.1:0\n",
		"drongo.yaml:3: listen: port 0 out of range");
	expect_error("http:\n  listen:\n    - ::1:8080\n",
		"drongo.yaml:3: listen: IPv6 address '::1' needs brackets: [addr]:port");
	expect_error("http:\n  listen:\n    - 127.0.0.1:80\n"
		"    - 127.0.0.1:80\n", "drongo.yaml:4: listen: duplicate address");
	expect_error("http:\n  listen: []\n",
		"drongo.yaml:2: listen: at least one address is needed");
	expect_error("http:\n  max_connections: 0\n",
		"drongo.yaml:2: max_connections: 0 out of range (1..65536)");
	expect_error("media:\n  required: maybe\n",
		"drongo.yaml:2: required: unknown value 'maybe' (expected auto|true|false)");
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_file),
		cmocka_unit_test(test_embedded_default_is_shipped_file),
		cmocka_unit_test(test_defaults_fill_gaps),
		cmocka_unit_test(test_bad_listen),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_http_section),
		cmocka_unit_test(test_yaml_errors),
		cmocka_unit_test(test_missing_file),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s path/to/config/drongo.yaml\n", argv[0]);
		return 1;
	}
	shipped_path = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
