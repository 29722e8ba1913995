/* rawnet wire: a user-space impairment bridge. Forwards every frame between
 * two interfaces over AF_PACKET sockets (incoming frames only, so our own
 * transmissions are never forwarded again) and impairs each direction with
 * the netem model of rawnet/impair.h, timed by CLOCK_MONOTONIC.
 *
 * The sockets carry a virtio_net_hdr with every frame (PACKET_VNET_HDR), so
 * offloaded frames (GSO bursts larger than the MTU, partial checksums) leave
 * exactly as they came. Frames are read in batches with recvmmsg and sent
 * with sendmmsg; without impairments they are sent straight from the
 * receive buffers. */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/uio.h>
#include <time.h>

#include <linux/virtio_net.h>

#include "rawnet/checksum.h"
#include "rawnet/error.h"
#include "rawnet/impair.h"
#include "rawnet/packet.h"

#include "commands.h"
#include "common.h"

#define BATCH 64
#define FRAME_CAP (65536 + 512)  /* a whole GSO burst, its virtio_net_hdr and tags */
#define MAX_OUT (4 * BATCH)      /* frames sent per system call at most */

enum { A2B, B2A, BOTH };

struct side {
	const char *ifname;
	struct rn_packet *p;
	struct rn_packet_msg msgs[BATCH];
	uint8_t *bufs;
};

struct direction {
	const char *name;
	struct side *in, *out;
	struct rn_impair_config cfg;
	struct rn_impair *im;
	bool loss_set, burst_set;
	uint64_t tx_errors;      /* frames the kernel refused to send */
	uint64_t oversize;       /* frames longer than our buffers (dropped) */
	uint32_t largest;        /* the longest frame seen (GSO bursts exceed the MTU) */
	struct iovec iov[MAX_OUT];
	unsigned niov;
};

static volatile sig_atomic_t got_stop, got_usr1;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		got_usr1 = 1;
	else
		got_stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rawnet wire IF_A IF_B [options] [--a2b options] [--b2a options]\n"
		"Forwards every frame between IF_A and IF_B, impaired like netem.\n"
		"Options apply to both directions, or to one after --a2b / --b2a\n"
		"(--both returns to both):\n"
		"  --loss P%%              lose each frame with probability P\n"
		"  --loss-burst P%%,R%%[,B%%[,G%%]]\n"
		"                         Gilbert-Elliott loss: good->bad P, bad->good R,\n"
		"                         loss B in the bad state (100%%), G in the good (0%%)\n"
		"  --delay MS             delay every frame (50, 50ms, 200us, 1s)\n"
		"  --jitter MS            spread the delay by +-MS\n"
		"  --distribution uniform|normal\n"
		"                         of the jitter (uniform; normal: MS is the deviation)\n"
		"  --reorder P%%           send P%% of frames at once, ahead of delayed ones\n"
		"                         (needs --delay)\n"
		"  --dup P%%               send P%% of frames twice (also --duplicate)\n"
		"  --corrupt P%%           flip one random bit after the link header in P%%\n"
		"  --rate RATE            token bucket: 10mbit, 500kbit, 1gbit, 100kbps (bytes)\n"
		"  --limit N              frames held per direction at most (1000)\n"
		"  --seed N               seed every random decision (default: random)\n"
		"  --stats                print per-direction counters at exit and on SIGUSR1\n"
		"  -Z USER                run as USER once the sockets are open\n"
		"  -h, --help             this help\n");
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static double percent_arg(const char *opt, const char *s)
{
	double p;
	if (rn_impair_parse_percent(s, &p) < 0)
		errx(EXIT_USAGE, "%s: %s is not a percentage (0-100%%)", opt, s);
	return p;
}

static uint64_t ms_arg(const char *opt, const char *s)
{
	uint64_t ns;
	if (rn_impair_parse_ms(s, &ns) < 0)
		errx(EXIT_USAGE, "%s: %s is not a time (e.g. 50, 50ms, 200us, 1s; at most 3600 s)",
		     opt, s);
	return ns;
}

/* "P%,R%[,B%[,G%]]" */
static void burst_arg(struct rn_impair_config *c, const char *s)
{
	char buf[128];
	double v[4] = { 0, 0, 1, 0 };
	if (strlen(s) >= sizeof buf)
		errx(EXIT_USAGE, "--loss-burst: %s is too long", s);
	strcpy(buf, s);
	int n = 0;
	char *save = NULL;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (n == 4 || rn_impair_parse_percent(t, &v[n]) < 0)
			errx(EXIT_USAGE, "--loss-burst: %s is not P%%,R%%[,B%%[,G%%]]", s);
		n++;
	}
	if (n < 2)
		errx(EXIT_USAGE, "--loss-burst: %s is not P%%,R%%[,B%%[,G%%]]", s);
	if (v[0] <= 0)
		errx(EXIT_USAGE, "--loss-burst: %s: the good->bad probability must be > 0", s);
	c->ge_p = v[0];
	c->ge_r = v[1];
	c->ge_bad_loss = v[2];
	c->ge_good_loss = v[3];
}

/* Completes a partial checksum (virtio NEEDS_CSUM, no GSO) in place so that a
 * bit flipped afterwards is seen by the receiver's checksum check. */
static void finish_checksum(uint8_t *buf, size_t len)
{
	struct virtio_net_hdr h;
	if (len < sizeof h)
		return;
	memcpy(&h, buf, sizeof h);
	if (!(h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) || h.gso_type != VIRTIO_NET_HDR_GSO_NONE)
		return;
	uint8_t *frame = buf + sizeof h;
	size_t flen = len - sizeof h, start = h.csum_start, off = h.csum_offset;
	if (start > flen || off > flen - start || flen - start - off < 2)
		return;
	uint16_t c = rn_inet_csum(frame + start, flen - start);
	if (c == 0 && off == 6)
		c = 0xffff; /* UDP sends 0 as all ones */
	frame[start + off] = (uint8_t)(c >> 8);
	frame[start + off + 1] = (uint8_t)c;
	h.flags = 0;
	h.csum_start = h.csum_offset = 0;
	memcpy(buf, &h, sizeof h);
}

static void open_side(struct side *s)
{
	struct rn_packet_opts o = {
		.ifname = s->ifname,
		.promisc = true,
		.direction = RN_DIR_IN,
		.rx_queue = true,
		.vnet_hdr = true,
		.ring_kib = 8192,
	};
	int rc = rn_packet_open(&o, &s->p);
	if (rc < 0)
		errx(EXIT_USAGE, "%s: %s", s->ifname, rn_strerror(rc));
	s->bufs = malloc((size_t)BATCH * FRAME_CAP);
	if (!s->bufs)
		err(EXIT_USAGE, "malloc");
	for (int i = 0; i < BATCH; i++) {
		s->msgs[i].buf = s->bufs + (size_t)i * FRAME_CAP;
		s->msgs[i].cap = FRAME_CAP;
	}
}

static void flush(struct direction *d)
{
	if (!d->niov)
		return;
	unsigned failed = 0;
	int rc = rn_packet_send_batch(d->out->p, d->iov, d->niov, &failed);
	if (rc < 0)
		errx(EXIT_USAGE, "%s: %s", d->out->ifname, rn_strerror(rc));
	d->tx_errors += failed;
	d->niov = 0;
	rn_impair_recycle(d->im);
}

static void queue_frame(struct direction *d, const void *data, size_t len)
{
	if (d->niov == MAX_OUT)
		flush(d);
	d->iov[d->niov].iov_base = (void *)(uintptr_t)data;
	d->iov[d->niov].iov_len = len;
	d->niov++;
}

/* Everything the engine has due now goes out. */
static void release_due(struct direction *d, uint64_t now)
{
	struct rn_impair_frame f;
	while (rn_impair_next(d->im, now, &f) == 1) {
		queue_frame(d, f.data, f.len);
		if (d->niov == MAX_OUT)
			flush(d);
	}
	flush(d);
}

/* Reads what is queued on d->in (a few batches at most, to stay fair to the
 * other direction) and forwards it. */
static void pump(struct direction *d)
{
	for (int round = 0; round < 8; round++) {
		int n = rn_packet_recv_batch(d->in->p, d->in->msgs, BATCH);
		if (n < 0) {
			if (n == -EINTR)
				return;
			errx(EXIT_USAGE, "%s: %s", d->in->ifname, rn_strerror(n));
		}
		uint64_t now = now_ns();
		for (int i = 0; i < n; i++) {
			struct rn_packet_msg *m = &d->in->msgs[i];
			if (m->len < m->orig_len || m->len < RN_PACKET_VNET_LEN) {
				d->oversize++;
				continue;
			}
			if (m->len - RN_PACKET_VNET_LEN > d->largest)
				d->largest = m->len - RN_PACKET_VNET_LEN;
			if (d->cfg.corrupt > 0)
				finish_checksum(m->data, m->len);
			int v = rn_impair_input(d->im, now, m->data, m->len);
			if (v == 1)
				queue_frame(d, m->data, m->len);
			/* A duplicate (or anything else now due) follows at once. */
			struct rn_impair_frame f;
			while (rn_impair_next(d->im, now, &f) == 1)
				queue_frame(d, f.data, f.len);
		}
		/* The receive buffers are reused by the next batch: send first. */
		flush(d);
		if (n < BATCH)
			return;
	}
}

static void print_stats(struct direction *dirs, uint64_t seed)
{
	printf("seed %" PRIu64 "\n", seed);
	for (int i = 0; i < 2; i++) {
		struct direction *d = &dirs[i];
		struct rn_impair_stats st;
		rn_impair_stats(d->im, &st);
		uint64_t krecv = 0, kdrop = 0;
		(void)rn_packet_stats(d->in->p, &krecv, &kdrop);
		printf("%s %s -> %s: received %" PRIu64 ", forwarded %" PRIu64 ", dropped %" PRIu64
		       ", delayed %" PRIu64 ", reordered %" PRIu64 ", duplicated %" PRIu64
		       ", corrupted %" PRIu64 ", queue drops %" PRIu64 ", held %zu, send errors %" PRIu64
		       ", oversize %" PRIu64 ", kernel drops %" PRIu64 ", largest %" PRIu32 "\n",
		       d->name, d->in->ifname, d->out->ifname, st.received, st.forwarded, st.dropped,
		       st.delayed, st.reordered, st.duplicated, st.corrupted, st.queue_drops,
		       rn_impair_pending(d->im), d->tx_errors, d->oversize, kdrop, d->largest);
	}
	fflush(stdout);
}

enum {
	O_A2B = 256, O_B2A, O_BOTH, O_LOSS, O_BURST, O_DELAY, O_JITTER, O_DIST, O_REORDER,
	O_DUP, O_CORRUPT, O_RATE, O_LIMIT, O_SEED, O_STATS,
};

/* One option that impairs a direction. */
static void direction_option(struct direction *d, int ch, const char *arg)
{
	struct rn_impair_config *c = &d->cfg;
	switch (ch) {
	case O_LOSS:
		c->loss = percent_arg("--loss", arg);
		d->loss_set = true;
		break;
	case O_BURST:
		burst_arg(c, arg);
		d->burst_set = true;
		break;
	case O_DELAY:
		c->delay_ns = ms_arg("--delay", arg);
		break;
	case O_JITTER:
		c->jitter_ns = ms_arg("--jitter", arg);
		break;
	case O_DIST:
		if (!strcmp(arg, "uniform"))
			c->dist = RN_IMPAIR_UNIFORM;
		else if (!strcmp(arg, "normal"))
			c->dist = RN_IMPAIR_NORMAL;
		else
			errx(EXIT_USAGE, "--distribution: %s is not uniform or normal", arg);
		break;
	case O_REORDER:
		c->reorder = percent_arg("--reorder", arg);
		break;
	case O_DUP:
		c->dup = percent_arg("--dup", arg);
		break;
	case O_CORRUPT:
		c->corrupt = percent_arg("--corrupt", arg);
		break;
	case O_RATE:
		if (rn_impair_parse_rate(arg, &c->rate_bps) < 0)
			errx(EXIT_USAGE, "--rate: %s is not a rate (e.g. 10mbit, 500kbit, 1gbit)", arg);
		break;
	case O_LIMIT:
		c->limit = (uint32_t)opt_int("--limit", arg, 1, 1000000);
		break;
	}
}

int cmd_wire(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "a2b", no_argument, NULL, O_A2B },
		{ "b2a", no_argument, NULL, O_B2A },
		{ "both", no_argument, NULL, O_BOTH },
		{ "loss", required_argument, NULL, O_LOSS },
		{ "loss-burst", required_argument, NULL, O_BURST },
		{ "delay", required_argument, NULL, O_DELAY },
		{ "jitter", required_argument, NULL, O_JITTER },
		{ "distribution", required_argument, NULL, O_DIST },
		{ "reorder", required_argument, NULL, O_REORDER },
		{ "dup", required_argument, NULL, O_DUP },
		{ "duplicate", required_argument, NULL, O_DUP },
		{ "corrupt", required_argument, NULL, O_CORRUPT },
		{ "rate", required_argument, NULL, O_RATE },
		{ "limit", required_argument, NULL, O_LIMIT },
		{ "seed", required_argument, NULL, O_SEED },
		{ "stats", no_argument, NULL, O_STATS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct side sides[2] = { 0 };
	struct direction dirs[2] = { 0 };
	dirs[A2B].name = "a2b";
	dirs[B2A].name = "b2a";
	for (int i = 0; i < 2; i++) {
		rn_impair_config_init(&dirs[i].cfg);
		dirs[i].cfg.meta_len = RN_PACKET_VNET_LEN;
	}
	int scope = BOTH, ch;
	bool stats = false, seeded = false;
	uint64_t seed = 0;
	const char *user = NULL;

	while ((ch = getopt_long(argc, argv, "hZ:", longopts, NULL)) != -1) {
		switch (ch) {
		case O_A2B:
			scope = A2B;
			continue;
		case O_B2A:
			scope = B2A;
			continue;
		case O_BOTH:
			scope = BOTH;
			continue;
		case O_SEED:
			seed = (uint64_t)opt_int("--seed", optarg, 0, INT64_MAX);
			seeded = true;
			continue;
		case O_STATS:
			stats = true;
			continue;
		case 'Z':
			user = optarg;
			continue;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case '?':
			usage(stderr);
			return EXIT_USAGE;
		}
		for (int i = 0; i < 2; i++)
			if (scope == BOTH || scope == i)
				direction_option(&dirs[i], ch, optarg);
	}
	if (argc - optind != 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	sides[0].ifname = argv[optind];
	sides[1].ifname = argv[optind + 1];
	if (!strcmp(sides[0].ifname, sides[1].ifname))
		errx(EXIT_USAGE, "%s: the two interfaces must differ", sides[0].ifname);
	for (int i = 0; i < 2; i++) {
		struct direction *d = &dirs[i];
		if (d->loss_set && d->burst_set)
			errx(EXIT_USAGE, "%s: --loss and --loss-burst exclude each other", d->name);
		if (d->cfg.reorder > 0 && !d->cfg.delay_ns)
			errx(EXIT_USAGE, "%s: --reorder needs --delay (it sends frames ahead of "
					 "delayed ones)", d->name);
	}
	if (!seeded && getrandom(&seed, sizeof seed, 0) != sizeof seed)
		seed = (uint64_t)now_ns();
	seed &= INT64_MAX; /* printable back into --seed */

	for (int i = 0; i < 2; i++)
		open_side(&sides[i]);
	if (user)
		drop_privileges(user);
	dirs[A2B].in = &sides[0];
	dirs[A2B].out = &sides[1];
	dirs[B2A].in = &sides[1];
	dirs[B2A].out = &sides[0];
	for (int i = 0; i < 2; i++) {
		/* Each direction has its own stream of decisions, so one direction's
		 * traffic never shifts the other's. */
		int rc = rn_impair_new(&dirs[i].cfg, seed ^ (i ? 0x6b2a5d7e3c1f0917ull : 0), &dirs[i].im);
		if (rc < 0)
			errx(EXIT_USAGE, "%s: %s", dirs[i].name, rn_strerror(rc));
	}

	sigset_t block, wait_mask;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &wait_mask);
	sigdelset(&wait_mask, SIGINT);
	sigdelset(&wait_mask, SIGTERM);
	sigdelset(&wait_mask, SIGHUP);
	sigdelset(&wait_mask, SIGUSR1);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);

	fprintf(stderr, "rawnet wire: forwarding %s <-> %s (seed %" PRIu64 ")\n", sides[0].ifname,
		sides[1].ifname, seed);

	struct pollfd pfd[2];
	for (int i = 0; i < 2; i++) {
		pfd[i].fd = rn_packet_fd(sides[i].p);
		pfd[i].events = POLLIN;
	}
	while (!got_stop) {
		if (got_usr1) {
			got_usr1 = 0;
			print_stats(dirs, seed);
		}
		uint64_t now = now_ns();
		uint64_t deadline = UINT64_MAX;
		for (int i = 0; i < 2; i++) {
			release_due(&dirs[i], now);
			uint64_t dl = rn_impair_deadline(dirs[i].im);
			if (dl < deadline)
				deadline = dl;
		}
		struct timespec ts, *tsp = NULL;
		if (deadline != UINT64_MAX) {
			now = now_ns();
			uint64_t left = deadline > now ? deadline - now : 0;
			ts.tv_sec = (time_t)(left / 1000000000ull);
			ts.tv_nsec = (long)(left % 1000000000ull);
			tsp = &ts;
		}
		int n = ppoll(pfd, 2, tsp, &wait_mask);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err(EXIT_USAGE, "ppoll");
		}
		for (int i = 0; i < 2; i++) {
			if (pfd[i].revents & (POLLERR | POLLHUP | POLLNVAL))
				errx(EXIT_USAGE, "%s: the interface went away", sides[i].ifname);
			if (pfd[i].revents & POLLIN)
				pump(&dirs[i]);
		}
	}
	if (stats)
		print_stats(dirs, seed);
	for (int i = 0; i < 2; i++) {
		rn_impair_free(dirs[i].im);
		rn_packet_close(sides[i].p);
		free(sides[i].bufs);
	}
	return EXIT_OK;
}
