package dev.turnout.host.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.api.Outbound;
import dev.turnout.api.OutboundOptions;
import dev.turnout.api.OutboundType;
import io.netty.channel.DefaultEventLoop;
import java.net.InetAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The host's {@code type: dns} outbound beside the plugins' types, and what it says where the DNS is off. */
class DnsOutboundTest {

    @Test
    void aPluginsOwnDnsTypeIsKeptAndOtherwiseTheHostsIsAdded() throws Exception {
        Map<String, OutboundType> types = DnsOutboundType.beside(Map.of(), null);
        assertEquals("dns", types.get("dns").type());
        OutboundType plugins = DnsOutboundType.beside(Map.of(), null).get("dns");
        assertSame(plugins, DnsOutboundType.beside(Map.of("dns", plugins), null).get("dns"));
    }

    @Test
    void withoutTurnoutsDnsEveryFlowFailsSayingHowToEnableIt() throws Exception {
        Outbound out = DnsOutboundType.beside(Map.of(), null).get("dns")
                .create(new OutboundOptions("dns-out", "dns", Map.of("name", "dns-out", "type", "dns")), null);
        assertEquals("Dns", dev.turnout.host.outbound.AdapterTypes.mihomoName("dns"));
        DefaultEventLoop loop = new DefaultEventLoop();
        try {
            Metadata flow = Metadata.internal(Network.UDP, Destination.ofAddress(InetAddress.getByName("192.0.2.53"), 53));
            var datagrams = out.openDatagram(flow, loop, (from, payload) -> payload.release()).await();
            assertFalse(datagrams.isSuccess());
            assertEquals("'dns-out' answers with Turnout's DNS, which this config does not enable (dns: enable: true)",
                    datagrams.cause().getMessage());
            var stream = out.openStream(flow, loop).await();
            assertEquals(datagrams.cause().getMessage(), stream.cause().getMessage());
        } finally {
            loop.shutdownGracefully();
        }
    }
}
