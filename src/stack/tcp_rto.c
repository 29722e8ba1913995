/* The retransmission timer's value (RFC 6298): SRTT and RTTVAR from RTT
 * samples, RTO = SRTT + max(G, 4 RTTVAR) clamped to [min, max], doubled on
 * each timeout until the next valid sample (Karn's algorithm lives in the
 * caller, which never samples retransmitted segments). */
#include "stack/tcp_int.h"

#define CLOCK_GRANULARITY_US 1000

void rn_rtt_init(struct rn_tcp_rtt *r, const struct rn_tcb_config *cfg)
{
	r->srtt = r->rttvar = 0;
	r->rto = cfg->rto_initial_us;
	r->has_sample = false;
	r->backoff = 0;
	r->timing = false;
}

void rn_rtt_sample(struct rn_tcp_rtt *r, const struct rn_tcb_config *cfg, uint64_t rtt)
{
	if (!r->has_sample) {
		/* (2.2) */
		r->srtt = rtt;
		r->rttvar = rtt / 2;
		r->has_sample = true;
	} else {
		/* (2.3), beta = 1/4 and alpha = 1/8, RTTVAR updated first */
		uint64_t diff = r->srtt > rtt ? r->srtt - rtt : rtt - r->srtt;
		r->rttvar = (3 * r->rttvar + diff) / 4;
		r->srtt = (7 * r->srtt + rtt) / 8;
	}
	uint64_t var = 4 * r->rttvar;
	r->rto = r->srtt + (var > CLOCK_GRANULARITY_US ? var : CLOCK_GRANULARITY_US);
	if (r->rto < cfg->rto_min_us)
		r->rto = cfg->rto_min_us;
	if (r->rto > cfg->rto_max_us)
		r->rto = cfg->rto_max_us;
	r->backoff = 0;
}

uint64_t rn_rtt_rto(const struct rn_tcp_rtt *r, const struct rn_tcb_config *cfg)
{
	uint64_t rto = r->rto;
	for (unsigned i = 0; i < r->backoff && rto < cfg->rto_max_us; i++)
		rto *= 2;
	if (rto > cfg->rto_max_us)
		rto = cfg->rto_max_us;
	if (rto < cfg->rto_min_us)
		rto = cfg->rto_min_us;
	return rto;
}

void rn_rtt_syn_lost(struct rn_tcp_rtt *r, const struct rn_tcb_config *cfg)
{
	if (r->has_sample)
		return;
	r->backoff = 0;
	if (r->rto < RN_RTO_AFTER_SYN_LOSS_US)
		r->rto = RN_RTO_AFTER_SYN_LOSS_US < cfg->rto_max_us ? RN_RTO_AFTER_SYN_LOSS_US
								    : cfg->rto_max_us;
}
