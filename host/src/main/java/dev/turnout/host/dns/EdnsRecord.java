package dev.turnout.host.dns;

import io.netty.handler.codec.dns.AbstractDnsOptPseudoRrRecord;

/** A plain EDNS(0) OPT record advertising how large a UDP answer we accept; no options. */
final class EdnsRecord extends AbstractDnsOptPseudoRrRecord {

    EdnsRecord(int udpPayloadSize) {
        super(udpPayloadSize, 0, 0);
    }
}
