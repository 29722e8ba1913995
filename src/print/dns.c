/* DNS message summaries (RFC 1035, RFC 6891 EDNS) as tcpdump's print-domain.c
 * prints them: "ID+ A? name. (len)" for queries and "ID q/a/n A addr, ..."
 * for responses; -vv adds the question and the other sections. */
#include <stdio.h>
#include <string.h>

#include "print/internal.h"
#include "rawnet/error.h"

struct dns {
	struct rn_strbuf *o;
	struct rn_view m;       /* the whole message */
	int verbose;
	bool mdns;
};

static const char *type_name(uint16_t t)
{
	switch (t) {
	case 1: return "A";
	case 2: return "NS";
	case 3: return "MD";
	case 4: return "MF";
	case 5: return "CNAME";
	case 6: return "SOA";
	case 7: return "MB";
	case 8: return "MG";
	case 9: return "MR";
	case 10: return "NULL";
	case 11: return "WKS";
	case 12: return "PTR";
	case 13: return "HINFO";
	case 14: return "MINFO";
	case 15: return "MX";
	case 16: return "TXT";
	case 17: return "RP";
	case 18: return "AFSDB";
	case 19: return "X25";
	case 20: return "ISDN";
	case 21: return "RT";
	case 22: return "NSAP";
	case 23: return "NSAP_PTR";
	case 24: return "SIG";
	case 25: return "KEY";
	case 26: return "PX";
	case 27: return "GPOS";
	case 28: return "AAAA";
	case 29: return "LOC";
	case 30: return "NXT";
	case 31: return "EID";
	case 32: return "NIMLOC";
	case 33: return "SRV";
	case 34: return "ATMA";
	case 35: return "NAPTR";
	case 36: return "KX";
	case 37: return "CERT";
	case 38: return "A6";
	case 39: return "DNAME";
	case 40: return "SINK";
	case 41: return "OPT";
	case 42: return "APL";
	case 43: return "DS";
	case 44: return "SSHFP";
	case 45: return "IPSECKEY";
	case 46: return "RRSIG";
	case 47: return "NSEC";
	case 48: return "DNSKEY";
	case 49: return "DHCID";
	case 50: return "NSEC3";
	case 51: return "NSEC3PARAM";
	case 52: return "TLSA";
	case 53: return "SMIMEA";
	case 55: return "HIP";
	case 56: return "NINFO";
	case 57: return "RKEY";
	case 58: return "TALINK";
	case 59: return "CDS";
	case 60: return "CDNSKEY";
	case 61: return "OPENPGPKEY";
	case 62: return "CSYNC";
	case 63: return "ZONEMD";
	case 64: return "SVCB";
	case 65: return "HTTPS";
	case 99: return "SPF";
	case 100: return "UINFO";
	case 101: return "UID";
	case 102: return "GID";
	case 103: return "UNSPEC";
	case 104: return "NID";
	case 105: return "L32";
	case 106: return "L64";
	case 107: return "LP";
	case 108: return "EUI48";
	case 109: return "EUI64";
	case 249: return "TKEY";
	case 250: return "TSIG";
	case 251: return "IXFR";
	case 252: return "AXFR";
	case 253: return "MAILB";
	case 254: return "MAILA";
	case 255: return "ANY";
	case 256: return "URI";
	case 257: return "CAA";
	default: return NULL;
	}
}

static void put_type(struct dns *d, uint16_t t)
{
	const char *n = type_name(t);
	if (n)
		rn_sb_puts(d->o, n);
	else
		rn_sb_printf(d->o, "Type%u", t);
}

static void put_class(struct dns *d, uint16_t c)
{
	switch (c) {
	case 1: rn_sb_puts(d->o, "IN"); break;
	case 3: rn_sb_puts(d->o, "CHAOS"); break;
	case 4: rn_sb_puts(d->o, "HS"); break;
	case 255: rn_sb_puts(d->o, "ANY"); break;
	default: rn_sb_printf(d->o, "(Class %u)", c); break;
	}
}

/* Skips a name; returns the offset after it or 0 when it runs out. */
static size_t skip_name(struct dns *d, size_t off)
{
	for (;;) {
		if (!rn_view_has(d->m, off, 1))
			return 0;
		uint8_t l = d->m.data[off];
		if ((l & 0xc0) == 0xc0)
			return rn_view_has(d->m, off, 2) ? off + 2 : 0;
		if (l & 0xc0)
			return 0;
		off += 1 + (size_t)l;
		if (l == 0)
			return off;
	}
}

/* Prints a name as tcpdump's fqdn_print() does, label by label as it goes:
 * compression pointers must point backwards ("<BAD PTR>" otherwise), names
 * longer than 255 characters are cut ("<DOMAIN NAME TOO LONG>"). Returns the
 * offset after the name where it was stored, 0 when it stops early. */
static size_t put_name(struct dns *d, size_t off)
{
	const struct rn_view m = d->m;
	size_t cp = off, rp = 0, max_offset = off, name_chars = 0;
	bool compress = false;
	if (!rn_view_has(m, cp, 1))
		return 0;
	uint8_t i = m.data[cp];
	if ((i & 0xc0) == 0x40 || (i & 0xc0) == 0x80) {
		if ((i & 0xc0) == 0x40)
			rn_sb_printf(d->o, "<ELT %d>", i & 0x3f);
		return 0;
	}
	cp++;
	if ((i & 0xc0) != 0xc0)
		rp = cp + i;
	if (i == 0) {
		rn_sb_putc(d->o, '.');
		return rp;
	}
	while (i && cp < m.len) {
		if ((i & 0xc0) == 0xc0) {
			if (!compress) {
				rp = cp + 1;
				compress = true;
			}
			if (!rn_view_has(m, cp, 1))
				return 0;
			size_t o = ((size_t)i << 8 | m.data[cp]) & 0x3fff;
			if (o >= max_offset) {
				rn_sb_puts(d->o, "<BAD PTR>");
				return 0;
			}
			max_offset = o;
			cp = o;
			if (!rn_view_has(m, cp, 1))
				return 0;
			i = m.data[cp];
			if ((i & 0xc0) == 0x40 || (i & 0xc0) == 0x80) {
				if ((i & 0xc0) == 0x40)
					rn_sb_printf(d->o, "<ELT %d>", i & 0x3f);
				return 0;
			}
			cp++;
			continue;
		}
		size_t l = i;
		size_t avail = cp < m.len ? m.len - cp : 0;
		if (name_chars + l <= 255) {
			rn_put_safe(d->o, m.data + cp, l < avail ? l : avail);
			if (l > avail)
				return 0;
		} else if (name_chars < 255) {
			size_t n = 255 - name_chars;
			rn_put_safe(d->o, m.data + cp, n < avail ? n : avail);
			if (n > avail)
				return 0;
		}
		name_chars += l;
		cp += l;
		if (name_chars <= 255)
			rn_sb_putc(d->o, '.');
		name_chars++;
		if (!rn_view_has(m, cp, 1))
			return 0;
		i = m.data[cp];
		if ((i & 0xc0) == 0x40 || (i & 0xc0) == 0x80) {
			if ((i & 0xc0) == 0x40)
				rn_sb_printf(d->o, "<ELT %d>", i & 0x3f);
			return 0;
		}
		cp++;
		if (!compress)
			rp += (size_t)i + 1;
	}
	if (name_chars > 255)
		rn_sb_puts(d->o, "<DOMAIN NAME TOO LONG>");
	return rp;
}

/* One question: " A? name." */
static size_t print_question(struct dns *d, size_t off)
{
	size_t cp = skip_name(d, off);
	if (!cp || !rn_view_has(d->m, cp, 4))
		return 0;
	uint16_t type = rn_view_be16(d->m, cp), qc = rn_view_be16(d->m, cp + 2);
	uint16_t cls = d->mdns ? (qc & 0x7fff) : qc;
	rn_sb_putc(d->o, ' ');
	put_type(d, type);
	if (cls != 1) {
		rn_sb_putc(d->o, ' ');
		put_class(d, cls);
	}
	if (d->mdns)
		rn_sb_puts(d->o, (qc & 0x8000) ? " (QU)" : " (QM)");
	rn_sb_puts(d->o, "? ");
	if (!put_name(d, off))
		return 0;
	return cp + 4;
}

static void print_eopt(struct dns *d, uint16_t code, struct rn_view v);

/* One resource record; returns the offset after it, 0 when truncated. */
static size_t print_rr(struct dns *d, size_t off)
{
	size_t cp;
	if (d->verbose) {
		rn_sb_putc(d->o, ' ');
		cp = put_name(d, off);
	} else {
		cp = skip_name(d, off);
	}
	if (!cp)
		return 0;
	if (!rn_view_has(d->m, cp, 10))
		return d->m.len; /* tcpdump: stop quietly */
	uint16_t type = rn_view_be16(d->m, cp), c = rn_view_be16(d->m, cp + 2);
	uint16_t cls = d->mdns ? (c & 0x7fff) : c;
	uint16_t opt_flags = 0;
	if (cls != 1 && type != 41) {
		rn_sb_putc(d->o, ' ');
		put_class(d, cls);
	}
	if (d->mdns && (c & 0x8000))
		rn_sb_puts(d->o, " (Cache flush)");
	if (type == 41) {
		opt_flags = rn_view_be16(d->m, cp + 6);
	} else if (d->verbose > 2) {
		uint32_t ttl = rn_view_be32(d->m, cp + 4);
		rn_sb_puts(d->o, " [");
		if (ttl == 0) {
			rn_sb_puts(d->o, "0s");
		} else {
			static const struct { uint32_t s; char u; } units[] = {
				{ 604800, 'w' }, { 86400, 'd' }, { 3600, 'h' }, { 60, 'm' }, { 1, 's' },
			};
			for (unsigned k = 0; k < 5; k++)
				if (ttl >= units[k].s) {
					rn_sb_printf(d->o, "%u%c", ttl / units[k].s, units[k].u);
					ttl %= units[k].s;
				}
		}
		rn_sb_putc(d->o, ']');
	}
	uint16_t rdlen = rn_view_be16(d->m, cp + 8);
	cp += 10;
	size_t rp = cp + rdlen;
	rn_sb_putc(d->o, ' ');
	put_type(d, type);
	if (!rn_view_has(d->m, cp, rdlen))
		return 0;
	switch (type) {
	case 1:
		if (rdlen < 4)
			return 0;
		rn_sb_putc(d->o, ' ');
		rn_put_ip4(d->o, d->m.data + cp);
		break;
	case 2:
	case 5:
	case 12:
	case 39:
		rn_sb_putc(d->o, ' ');
		if (!put_name(d, cp))
			return 0;
		break;
	case 6:
		if (!d->verbose)
			break;
		rn_sb_putc(d->o, ' ');
		if (!(cp = put_name(d, cp)))
			return 0;
		rn_sb_putc(d->o, ' ');
		if (!(cp = put_name(d, cp)))
			return 0;
		if (!rn_view_has(d->m, cp, 20))
			return 0;
		for (int k = 0; k < 5; k++)
			rn_sb_printf(d->o, " %u", rn_view_be32(d->m, cp + 4 * (size_t)k));
		break;
	case 15:
		rn_sb_putc(d->o, ' ');
		if (!put_name(d, cp + 2))
			return 0;
		rn_sb_printf(d->o, " %u", rn_view_be16(d->m, cp));
		break;
	case 16:
		while (cp < rp) {
			uint8_t l = d->m.data[cp];
			if (!rn_view_has(d->m, cp + 1, l))
				return 0;
			rn_sb_puts(d->o, " \"");
			rn_put_safe(d->o, d->m.data + cp + 1, l);
			rn_sb_putc(d->o, '"');
			cp += 1 + (size_t)l;
		}
		break;
	case 33:
		rn_sb_putc(d->o, ' ');
		if (!put_name(d, cp + 6))
			return 0;
		rn_sb_printf(d->o, ":%u %u %u", rn_view_be16(d->m, cp + 4), rn_view_be16(d->m, cp),
			     rn_view_be16(d->m, cp + 2));
		break;
	case 28:
		if (rdlen < 16)
			return 0;
		rn_sb_putc(d->o, ' ');
		rn_put_ip6(d->o, d->m.data + cp);
		break;
	case 41:
		rn_sb_printf(d->o, " UDPsize=%u", cls);
		if (opt_flags & 0x8000)
			rn_sb_puts(d->o, " DO");
		if (cp < rp) {
			rn_sb_puts(d->o, " [");
			while (cp < rp) {
				if (!rn_view_has(d->m, cp, 4))
					return 0;
				uint16_t code = rn_view_be16(d->m, cp), olen = rn_view_be16(d->m, cp + 2);
				static const char *const names[] = {
					[1] = "LLQ", [2] = "UL", [3] = "NSID", [5] = "DAU", [6] = "DHU",
					[7] = "N3U", [8] = "ECS", [9] = "EXPIRE", [10] = "COOKIE",
					[11] = "KEEPALIVE", [12] = "PADDING", [13] = "CHAIN",
					[14] = "KEY-TAG",
				};
				if (code < sizeof names / sizeof names[0] && names[code])
					rn_sb_puts(d->o, names[code]);
				else
					rn_sb_printf(d->o, "Opt%u", code);
				if (!rn_view_has(d->m, cp + 4, olen))
					return 0;
				print_eopt(d, code, rn_view_head(rn_view_tail(d->m, cp + 4), olen));
				cp += 4 + (size_t)olen;
				if (cp < rp)
					rn_sb_putc(d->o, ',');
			}
			rn_sb_putc(d->o, ']');
		}
		break;
	default:
		break;
	}
	return rp;
}

/* eopt_print(): the data of one EDNS option (RFC 6891 §6.1.2). */
static void print_eopt(struct dns *d, uint16_t code, struct rn_view v)
{
	if (v.len == 0)
		return;
	rn_sb_putc(d->o, ' ');
	switch (code) {
	case 8: { /* ECS, RFC 7871 */
		if (v.len < 4) {
			rn_sb_puts(d->o, " (invalid)");
			return;
		}
		uint16_t fam = rn_view_be16(v, 0);
		uint8_t src = v.data[2], scope = v.data[3];
		unsigned bits = fam == 1 ? 32 : fam == 2 ? 128 : 0;
		if (!bits || src > bits || scope > bits || (size_t)(src + 7) / 8 != v.len - 4) {
			rn_sb_puts(d->o, " (invalid)");
			return;
		}
		uint8_t a[16] = { 0 };
		memcpy(a, v.data + 4, v.len - 4);
		if (fam == 1)
			rn_put_ip4(d->o, a);
		else
			rn_put_ip6(d->o, a);
		rn_sb_printf(d->o, "/%u/%u", src, scope);
		return;
	}
	case 10: /* COOKIE */
		if (v.len < 8 || (v.len > 8 && v.len < 16) || v.len > 40) {
			rn_sb_puts(d->o, " (invalid)");
			return;
		}
		for (size_t i = 0; i < v.len; i++) {
			if (i == 8)
				rn_sb_putc(d->o, ' ');
			rn_sb_printf(d->o, "%02x", v.data[i]);
		}
		return;
	case 11: /* KEEPALIVE, in units of 100 ms */
		if (v.len != 2)
			rn_sb_puts(d->o, " (invalid)");
		else
			rn_sb_printf(d->o, "%0.1f sec", rn_view_be16(v, 0) / 10.0);
		return;
	case 9: /* EXPIRE */
		if (v.len != 4)
			rn_sb_puts(d->o, " (invalid)");
		else
			rn_sb_printf(d->o, "%u sec", rn_view_be32(v, 0));
		return;
	case 12: /* PADDING */
		rn_sb_printf(d->o, "(%zu)", v.len);
		return;
	case 14: /* KEY-TAG */
		if (v.len % 2) {
			rn_sb_puts(d->o, " (invalid)");
			return;
		}
		for (size_t i = 0; i < v.len; i += 2)
			rn_sb_printf(d->o, "%s%u", i ? " " : "", rn_view_be16(v, i));
		return;
	default:
		for (size_t i = 0; i < v.len; i++)
			rn_sb_printf(d->o, "%02x", v.data[i]);
		return;
	}
}

static const char *const opcodes[16] = {
	"", " inv_q", " stat", " op3", " notify", " update", " op6", " op7",
	" op8", " updateA", " updateD", " updateDA", " updateM", " updateMA", " zoneInit", " zoneRef",
};

/* -vv: the authority or additional section, after its label, as tcpdump
 * prints it; false when the message ends before the section does. */
static bool print_section(struct dns *d, size_t *cp, unsigned n, const char *label)
{
	if (*cp < d->m.len && n) {
		rn_sb_puts(d->o, label);
		if (!(*cp = print_rr(d, *cp)))
			return false;
		n--;
		while (*cp < d->m.len && n) {
			rn_sb_putc(d->o, ',');
			if (!(*cp = print_rr(d, *cp)))
				return false;
			n--;
		}
	}
	return n == 0;
}

static const char *const rcodes[16] = {
	"", " FormErr", " ServFail", " NXDomain", " NotImp", " Refused", " YXDomain", " YXRRSet",
	" NXRRSet", " NotAuth", " NotZone", " op11", " op12", " op13", " op14", " op15",
};

void rn_print_dns(struct rn_strbuf *out, struct rn_view msg, uint32_t length, int verbose,
		  bool mdns)
{
	struct dns d = { out, msg, verbose, mdns };
	if (d.m.len > length)
		d.m.len = length;
	if (length < 12) {
		rn_sb_printf(out, "domain [length %u < 12] (invalid)", length);
		return;
	}
	if (!rn_view_has(d.m, 0, 12)) {
		rn_sb_puts(out, " [|domain]");
		return;
	}
	uint16_t id = rn_view_be16(d.m, 0), fl = rn_view_be16(d.m, 2);
	uint16_t qd = rn_view_be16(d.m, 4), an = rn_view_be16(d.m, 6);
	uint16_t ns = rn_view_be16(d.m, 8), ar = rn_view_be16(d.m, 10);
	unsigned opcode = (fl >> 11) & 15;
	size_t cp = 12;
	rn_sb_put_uint(out, id);
	if (fl & 0x8000) {
		rn_sb_printf(out, "%s%s%s%s%s%s", opcodes[opcode], rcodes[fl & 15],
			     (fl & 0x0400) ? "*" : "", (fl & 0x0080) ? "" : "-",
			     (fl & 0x0200) ? "|" : "", (fl & 0x0020) ? "$" : "");
		if (qd != 1)
			rn_sb_printf(out, " [%uq]", qd);
		for (unsigned i = 0; i < qd; i++) {
			if (i && verbose > 1)
				rn_sb_putc(out, ',');
			if (verbose > 1) {
				rn_sb_puts(out, " q:");
				if (!(cp = print_question(&d, cp)))
					goto trunc;
			} else {
				if (!(cp = skip_name(&d, cp)))
					goto trunc;
				cp += 4;
			}
		}
		rn_sb_printf(out, " %u/%u/%u", an, ns, ar);
		if (an) {
			if (!(cp = print_rr(&d, cp)))
				goto trunc;
			an--;
			while (cp < d.m.len && an) {
				rn_sb_putc(out, ',');
				if (!(cp = print_rr(&d, cp)))
					goto trunc;
				an--;
			}
		}
		if (an)
			goto trunc;
		if (verbose > 1) {
			if (!print_section(&d, &cp, ns, " ns:") || !print_section(&d, &cp, ar, " ar:"))
				goto trunc;
		}
	} else {
		rn_sb_printf(out, "%s%s%s", opcodes[opcode], (fl & 0x0100) ? "+" : "",
			     (fl & 0x0010) ? "%" : "");
		if (fl & 0x6cf)
			rn_sb_printf(out, " [b2&3=0x%x]", fl);
		if (opcode == 1) {
			if (qd)
				rn_sb_printf(out, " [%uq]", qd);
			if (an != 1)
				rn_sb_printf(out, " [%ua]", an);
		} else {
			if (an)
				rn_sb_printf(out, " [%ua]", an);
			if (qd != 1)
				rn_sb_printf(out, " [%uq]", qd);
		}
		if (ns)
			rn_sb_printf(out, " [%un]", ns);
		if (ar)
			rn_sb_printf(out, " [%uau]", ar);
		if (qd) {
			if (!(cp = print_question(&d, cp)))
				goto trunc;
			qd--;
			while (cp < d.m.len && qd) {
				if (!(cp = print_question(&d, cp)))
					goto trunc;
				qd--;
			}
		}
		if (qd)
			goto trunc;
		if (verbose > 1) {
			static const char *const sect[3] = { " an:", " ns:", " ar:" };
			uint16_t cnt[3] = { an, ns, ar };
			for (int s = 0; s < 3; s++) {
				if (!cnt[s])
					continue;
				rn_sb_puts(out, sect[s]);
				if (!(cp = print_rr(&d, cp)))
					goto trunc;
				cnt[s]--;
				while (cp < d.m.len && cnt[s]) {
					rn_sb_putc(out, ',');
					if (!(cp = print_rr(&d, cp)))
						goto trunc;
					cnt[s]--;
				}
				if (cnt[s])
					goto trunc;
			}
		}
	}
	rn_sb_printf(out, " (%u)", length);
	return;
trunc:
	rn_sb_puts(out, " [|domain]");
}
