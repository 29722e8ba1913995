/* librawnet: the umbrella header. */
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
#include "rawnet/print.h"
#include "rawnet/http.h"
#include "rawnet/nftrst.h"
#include "rawnet/stack.h"

#endif
