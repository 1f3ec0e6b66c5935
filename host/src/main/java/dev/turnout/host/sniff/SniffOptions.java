package dev.turnout.host.sniff;

import dev.turnout.host.dns.AddressList;
import dev.turnout.host.dns.NameList;
import java.util.BitSet;

/**
 * mihomo's {@code sniffer:} section, read: which ports are sniffed for which protocol, whether the name found
 * replaces the address the outbound is asked for, and the names and addresses left alone.
 *
 * @param tls the TLS sniffer, {@code null} when off
 * @param http the HTTP sniffer, {@code null} when off
 * @param quic the QUIC sniffer (UDP flows), {@code null} when off
 * @param parsePureIp sniff flows that arrive without a name (to an address, not a fake one)
 * @param forceDnsMapping sniff flows named by the redir-host DNS's memory of its answers too (an address several
 *     names share is remembered by the last one answered)
 * @param forceDomain sniff flows whose fake-IP name is listed, too
 * @param skipDomain names found that are not used
 * @param skipSource flows from these addresses are not sniffed
 * @param skipDestination flows to these addresses are not sniffed
 */
public record SniffOptions(Protocol tls, Protocol http, Protocol quic, boolean parsePureIp, boolean forceDnsMapping,
                           NameList forceDomain,
                           NameList skipDomain, AddressList skipSource, AddressList skipDestination) {

    /**
     * One protocol's sniffer.
     *
     * @param ports the destination ports it looks at
     * @param overrideDestination proxies are asked for the name found, not the address (DIRECT still dials the
     *     address the application chose); otherwise the name is for the rules only
     */
    public record Protocol(BitSet ports, boolean overrideDestination) {
    }

    boolean sniffsPort(int port) {
        return tls != null && tls.ports().get(port) || http != null && http.ports().get(port);
    }
}
