/* librawnet: the umbrella header; includes every public header.
 * (tests/misc/t_install.sh checks that none is missing here.) */
#ifndef RAWNET_RAWNET_H
#define RAWNET_RAWNET_H

#include "rawnet/error.h"
#include "rawnet/view.h"
#include "rawnet/checksum.h"
#include "rawnet/strbuf.h"
#include "rawnet/ethernet.h"
#include "rawnet/arp.h"
#include "rawnet/ipv4.h"
#include "rawnet/ipv6.h"
#include "rawnet/icmp.h"
#include "rawnet/icmp6.h"
#include "rawnet/udp.h"
#include "rawnet/tcp.h"
#include "rawnet/range.h"
#include "rawnet/craft.h"
#include "rawnet/netinfo.h"
#include "rawnet/resolve.h"
#include "rawnet/rawsock.h"
#include "rawnet/icmpsock.h"
#include "rawnet/ping.h"
#include "rawnet/packet.h"
#include "rawnet/filter.h"
#include "rawnet/pcapfile.h"
#include "rawnet/pcapwrite.h"
#include "rawnet/print.h"
#include "rawnet/fields.h"
#include "rawnet/ftree.h"
#include "rawnet/follow.h"
#include "rawnet/tcb.h"
#include "rawnet/stack.h"
#include "rawnet/http.h"
#include "rawnet/nftrst.h"
#include "rawnet/impair.h"

#endif
