/* tcp_get: an HTTP/1.0 GET with librawnet's own TCP stack, without the
 * rawnet command line -- the smallest complete use of rawnet/stack.h.
 *
 *     tcp_get IFNAME OUR_IP SERVER_IP [PORT [PATH]]
 *
 * OUR_IP is the address the stack takes on IFNAME: best an unused address
 * of the interface's subnet (the stack answers ARP for it); with one of the
 * host's own addresses the stack adds an nftables rule for the connection.
 * Needs CAP_NET_RAW (and CAP_NET_ADMIN for that rule). Build:
 *     cc tcp_get.c $(pkg-config --cflags --libs rawnet) -lpcap
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "rawnet/error.h"
#include "rawnet/stack.h"

/* Prints every segment and state change on stderr, like rawnet tcp --trace. */
static void trace(void *arg, const struct rn_stack_event *ev)
{
	(void)arg;
	char line[512];
	rn_stack_event_format(ev, line, sizeof line);
	fprintf(stderr, "  %s\n", line);
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: %s IFNAME OUR_IP SERVER_IP [PORT [PATH]]\n", argv[0]);
		return 2;
	}
	const char *path = argc > 5 ? argv[5] : "/";
	uint16_t port = (uint16_t)(argc > 4 ? atoi(argv[4]) : 80);
	struct rn_stack_opts opts = { .ifname = argv[1], .has_ip4 = true, .trace = trace };
	uint8_t server[4];
	if (inet_pton(AF_INET, argv[2], opts.ip4) != 1 || inet_pton(AF_INET, argv[3], server) != 1 ||
	    !port) {
		fprintf(stderr, "%s: bad address or port\n", argv[0]);
		return 2;
	}

	/* 1. the stack: a packet socket on the interface, our address and MAC */
	struct rn_stack *s;
	int rc = rn_stack_open(&opts, &s);
	if (rc < 0) {
		fprintf(stderr, "%s: %s\n", argv[1], rn_strerror(rc));
		return 2;
	}

	/* 2. connect: ARP for the next hop, then the SYN; wait for ESTABLISHED */
	struct rn_tcp_conn *c;
	rc = rn_tcp_connect(s, AF_INET, server, port, 0, &c);
	if (rc == 0)
		rc = rn_stack_wait(s, c, RN_TCB_CONNECTED, 10000);
	if (rc <= 0 || !(rc & RN_TCB_CONNECTED)) {
		fprintf(stderr, "connect: %s\n",
			rc < 0 ? rn_strerror(rc) : rn_strerror(rn_tcp_error(c) ? rn_tcp_error(c) : -RN_ETIMEOUT));
		rn_stack_close(s);
		return 1;
	}

	/* 3. the request, then our FIN (HTTP/1.0: the server closes after the answer) */
	char req[512];
	int n = snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n", path, argv[3]);
	for (int off = 0; off < n;) {
		ssize_t w = rn_tcp_send(c, req + off, (size_t)(n - off));
		if (w < 0)
			break;
		off += (int)w;
		if (off < n)
			rn_stack_wait(s, c, RN_TCB_WRITABLE, 1000);
	}
	rn_tcp_shutdown(c);

	/* 4. everything the server sends, until its FIN */
	char buf[4096];
	for (;;) {
		ssize_t r = rn_tcp_recv(c, buf, sizeof buf);
		if (r > 0) {
			fwrite(buf, 1, (size_t)r, stdout);
			continue;
		}
		if (r == 0)
			break; /* end of stream */
		if (r != -EAGAIN) {
			fprintf(stderr, "receive: %s\n", rn_strerror((int)r));
			break;
		}
		rc = rn_stack_wait(s, c, RN_TCB_READABLE | RN_TCB_CLOSED, 10000);
		if (rc <= 0)
			break;
	}
	rn_stack_wait(s, c, RN_TCB_CLOSED, 2000); /* our FIN acknowledged */
	int err = rn_tcp_error(c);
	rn_tcp_free(c);
	rn_stack_close(s);
	return err ? 1 : 0;
}
