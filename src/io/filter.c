/* Filters: tcpdump expressions compiled with libpcap on a dead handle
 * (pcap_open_dead + pcap_compile) into classic BPF, for SO_ATTACH_FILTER
 * (struct sock_filter has struct bpf_insn's layout) and for bpf_filter() over
 * file records. See pcap-filter(7), pcap_compile(3PCAP). */
#include <linux/filter.h>
#include <stdbool.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rawnet/error.h"
#include "rawnet/filter.h"

struct rn_filter {
	struct bpf_program prog;
	struct sock_fprog fprog;
	bool accept_all;
};

int rn_linktype_to_dlt(int linktype)
{
	switch (linktype) {
	case 100: return DLT_ATM_RFC1483;
	case 101: return DLT_RAW;
	case 102: return DLT_SLIP_BSDOS;
	case 103: return DLT_PPP_BSDOS;
	case 106: return DLT_ATM_CLIP;
	case 50: return DLT_PPP_SERIAL;
	case 51: return DLT_PPP_ETHER;
	case 117: return DLT_PFLOG;
	case 246: return DLT_PFSYNC;
	default: return linktype;
	}
}

int rn_filter_compile_dlt(const char *expr, int dlt, uint32_t snaplen, struct rn_filter **out,
			  char *err, size_t errlen)
{
	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	if (!snaplen)
		snaplen = 262144;
	struct rn_filter *f = calloc(1, sizeof(*f));
	if (!f)
		return -RN_ENOSPC;
	pcap_t *p = pcap_open_dead(dlt, (int)snaplen);
	if (!p) {
		free(f);
		if (err && errlen)
			snprintf(err, errlen, "libpcap does not know link type %d", dlt);
		return -RN_EUNSUP;
	}
	if (pcap_compile(p, &f->prog, expr ? expr : "", 1, 0) < 0) {
		if (err && errlen) {
			snprintf(err, errlen, "%s", pcap_geterr(p));
			size_t n = strlen(err);
			while (n && err[n - 1] == '\n') /* some libpcap messages end in one */
				err[--n] = '\0';
		}
		pcap_close(p);
		free(f);
		return -RN_EINVAL;
	}
	pcap_close(p);
	f->fprog.len = (unsigned short)f->prog.bf_len;
	f->fprog.filter = (struct sock_filter *)f->prog.bf_insns;
	f->accept_all = !expr || !*expr;
	*out = f;
	return 0;
}

int rn_filter_compile(const char *expr, int linktype, uint32_t snaplen, struct rn_filter **out,
		      char *err, size_t errlen)
{
	return rn_filter_compile_dlt(expr, rn_linktype_to_dlt(linktype), snaplen, out, err, errlen);
}

const struct sock_fprog *rn_filter_prog(const struct rn_filter *f)
{
	return &f->fprog;
}

unsigned rn_filter_run(const struct rn_filter *f, const uint8_t *data, uint32_t caplen,
		       uint32_t len)
{
	if (f->accept_all)
		return len ? len : 1;
	return bpf_filter(f->prog.bf_insns, data, len, caplen);
}

void rn_filter_free(struct rn_filter *f)
{
	if (!f)
		return;
	pcap_freecode(&f->prog);
	free(f);
}
