/* What `rawnet tcp` and `rawnet http` share: from a host name and the
 * command-line options to an rn_stack with a connection being opened, the
 * trace printer, signal handling and the messages for failed connections. */
#ifndef RAWNET_TOOLS_STACKCLI_H
#define RAWNET_TOOLS_STACKCLI_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "rawnet/stack.h"

struct stack_cli {
	const char *ifname;      /* -I, else the route's interface */
	const char *source_ip;   /* --source-ip, else the interface's address */
	const char *source_mac;  /* --source-mac, else the interface's MAC */
	bool no_firewall;
	bool trace;
	int family;              /* AF_UNSPEC, or -4 / -6 */
	double timeout;          /* -w: connect timeout in seconds */
	double time_wait;        /* --time-wait: TIME-WAIT length in seconds (0: none) */
};

struct stack_conn {
	struct rn_stack *s;
	struct rn_tcp_conn *c;
	int family;
	uint8_t dst[16], src[16];
	uint16_t port;
	char host[300];          /* as given, for messages */
	char peer[64];           /* "10.77.0.1:7" / "[fd77::1]:80" */
	char ifname[16];
	double t0;               /* mono_now() at the connect */
	bool trace;              /* print the counters at stack_close() */
	double time_wait;        /* from stack_cli */
};

/* Set by SIGINT / SIGTERM (handlers installed by stack_connect). */
extern volatile sig_atomic_t stack_interrupted;

/* Resolves host (getaddrinfo), picks interface and address, opens the
 * stack and starts connecting. Exits 2 naming the bad input on usage
 * errors and setup failures. */
void stack_connect(const struct stack_cli *o, const char *host, uint16_t port,
		   struct stack_conn *sc);

/* Runs the stack until the connection is established. 0, or prints why it
 * failed (reset, connect timeout, interrupted) and returns 1. */
int stack_wait_connected(struct stack_conn *sc);

/* Prints the failure of an established connection (its error, or
 * "interrupted"), returns 1. */
int stack_report(struct stack_conn *sc, const char *what);

/* The default --time-wait, in seconds: long enough for a peer on the same
 * LAN to retransmit its FIN once (Linux's minimum RTO is 200 ms). */
#define STACK_TIME_WAIT_DEFAULT 0.5

/* After an active close (the connection is in TIME-WAIT): when output_done,
 * flushes stdout and points it at /dev/null, so that whoever reads it sees
 * the end at once; then keeps the stack (and its firewall rule) running until TIME-WAIT ends, so a
 * FIN the peer retransmits is acknowledged. A FIN restarts TIME-WAIT; it
 * never lasts longer than 2 * time_wait + 5 s in all. SIGINT / SIGTERM end it
 * early. Does nothing in any other state or with a time_wait of 0. */
void stack_time_wait(struct stack_conn *sc, bool output_done);

/* Aborts what is still open, removes the firewall rule, closes the stack;
 * with --trace first prints the connection's counters. */
void stack_close(struct stack_conn *sc);

/* tcp.c: standard input to the connection, the connection to standard
 * output, until both directions are closed; the exit status. When the peer
 * closes first, the client stops reading its input (read_after_eof false),
 * the listener (nc -l) sends the rest of it first. */
int tcp_run_cat(struct stack_conn *sc, bool read_after_eof);

/* The trace printer of rawnet tcp and http (stderr, one line per event). */
void stack_trace_line(void *arg, const struct rn_stack_event *ev);

/* Installs the SIGINT/SIGTERM handlers that set stack_interrupted, ignores SIGPIPE. */
void stack_signals(void);

/* rawnet tcp -l (tcp_listen.c). */
struct listen_cli {
	const struct stack_cli *cli;  /* -I, -4/-6, --no-firewall, --trace, --time-wait */
	const char *addr;             /* ADDR, or NULL: the interface's addresses */
	uint16_t port;
	bool keep;                    /* -k */
	bool echo;                    /* --echo */
	const char *exec;             /* -e CMD */
	unsigned max_conns;           /* --max-conns (0: no limit) */
	unsigned backlog;             /* --backlog */
};
int tcp_listen(const struct listen_cli *o);

/* Parses a port number or a service name; exits 2 on failure. */
uint16_t stack_parse_port(const char *s);

#endif
