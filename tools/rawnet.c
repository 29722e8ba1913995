/* rawnet: the command. A table of subcommands, each in its own file. */
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "common.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "send", cmd_send, "craft packets from a layered spec and inject them at L2, L3 or L4" },
	{ "ping", cmd_ping, "ICMP/ICMPv6 echo built by hand, iputils-compatible" },
	{ "sniff", cmd_sniff, "capture on an interface (mmap ring, kernel filters) and dissect" },
	{ "read", cmd_read, "read and dissect pcap/pcapng files" },
	{ "follow", cmd_follow, "reassemble and print TCP conversations from a capture" },
	{ "wire", cmd_wire, "forward frames between two interfaces with loss, delay, reordering" },
	{ "tcp", cmd_tcp, "a TCP connection over raw sockets: netcat on our own stack" },
	{ "http", cmd_http, "HTTP/1.1 GET over the raw-socket TCP stack" },
	{ "traceroute", cmd_traceroute, "the path to a host: UDP, ICMP or TCP probes, Paris-style flows" },
	{ "scan", cmd_scan, "stateless TCP SYN port scan (SYN cookies); ARP and ping sweeps" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: rawnet COMMAND [OPTIONS] ...\n"
		   "       rawnet COMMAND --help\n\n"
		   "rawnet %s: a raw-socket networking toolkit.\n\ncommands:\n",
		RAWNET_VERSION);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].run)
			fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nExit status: 0 ok, 1 no answer or failed transfer, 2 usage or error.\n"
		   "See rawnet(8).\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("rawnet %s\n", RAWNET_VERSION);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (commands[i].run && !strcmp(argv[1], commands[i].name)) {
			char prog[64];
			snprintf(prog, sizeof(prog), "rawnet %s", commands[i].name);
			program_invocation_short_name = prog; /* err(3) prefix */
			return commands[i].run(argc - 1, argv + 1);
		}
	}
	warnx("%s: unknown command (try rawnet --help)", argv[1]);
	return EXIT_USAGE;
}
