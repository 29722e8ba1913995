/* The subcommands of rawnet: each lives in tools/<name>.c and is
 * int cmd_<name>(int argc, char **argv), argv[0] being the subcommand name.
 * They are weak here so that the table lists exactly those that are built. */
#ifndef RAWNET_TOOLS_COMMANDS_H
#define RAWNET_TOOLS_COMMANDS_H

#define RN_WEAK __attribute__((weak))

int cmd_send(int argc, char **argv) RN_WEAK;
int cmd_ping(int argc, char **argv) RN_WEAK;
int cmd_sniff(int argc, char **argv) RN_WEAK;
int cmd_read(int argc, char **argv) RN_WEAK;
int cmd_follow(int argc, char **argv) RN_WEAK;
int cmd_wire(int argc, char **argv) RN_WEAK;
int cmd_tcp(int argc, char **argv) RN_WEAK;
int cmd_http(int argc, char **argv) RN_WEAK;
int cmd_traceroute(int argc, char **argv) RN_WEAK;
int cmd_scan(int argc, char **argv) RN_WEAK;

#endif
