package dev.turnout.host.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.host.flow.Flow;
import dev.turnout.host.flow.FlowTable;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConnectionListTest {

    @Test
    void theListWrittenFlowByFlowHasClashsFieldsInClashsOrderThenMihomos() throws Exception {
        FlowTable flows = new FlowTable(8);
        Flow named = flows.open(new Metadata(Network.TCP, Destination.ofHost("example.test", 443),
                new InetSocketAddress("192.0.2.1", 40000), "tun", null), "MATCH", "DIRECT", "DIRECT");
        named.countUpload(100);
        named.countDownload(1000);
        flows.open(new Metadata(Network.UDP, Destination.of(new InetSocketAddress(InetAddress.getByName("198.51.100.7"), 53)),
                null, "socks-in", null), "MATCH", "DIRECT", "DIRECT");

        Map<String, Object> list = read(ClashViews.connections(flows, null));

        assertEquals(List.of("downloadTotal", "uploadTotal", "connections", "memory"), new ArrayList<>(list.keySet()));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> all = (List<Map<String, Object>>) list.get("connections");
        assertEquals(2, all.size());
        Map<String, Object> c = all.stream().filter(m -> m.get("id").equals(ConnectionIds.of(named.id()))).findFirst()
                .orElseThrow();
        assertEquals(List.of("id", "metadata", "upload", "download", "start", "chains", "rule", "rulePayload"),
                new ArrayList<>(c.keySet()));
        @SuppressWarnings("unchecked")
        Map<String, Object> meta = (Map<String, Object>) c.get("metadata");
        assertEquals(List.of("network", "type", "sourceIP", "destinationIP", "sourcePort", "destinationPort", "host",
                "dnsMode", "processPath", "specialProxy", "sourceIPASN", "destinationIPASN", "inboundIP",
                "inboundPort", "inboundName", "inboundUser", "uid", "process", "specialRules", "remoteDestination",
                "dscp", "sniffHost"), new ArrayList<>(meta.keySet()));
        Map<String, Object> clashs = new java.util.HashMap<>(meta);
        clashs.keySet().retainAll(List.of("network", "type", "sourceIP", "destinationIP", "sourcePort",
                "destinationPort", "host", "dnsMode", "processPath", "specialProxy"));
        assertEquals(Map.of("network", "tcp", "type", "Tun", "sourceIP", "192.0.2.1", "destinationIP", "",
                "sourcePort", "40000", "destinationPort", "443", "host", "example.test", "dnsMode", "normal",
                "processPath", "", "specialProxy", ""), clashs);
        assertEquals(100, ((Number) c.get("upload")).intValue());
        assertEquals(1000, ((Number) c.get("download")).intValue());
        assertEquals(List.of("DIRECT"), c.get("chains"));
        assertEquals("Match", c.get("rule"));
        assertEquals("", c.get("rulePayload"));

        Map<String, Object> udp = all.stream().filter(m -> m != c).findFirst().orElseThrow();
        @SuppressWarnings("unchecked")
        Map<String, Object> udpMeta = (Map<String, Object>) udp.get("metadata");
        assertEquals("udp", udpMeta.get("network"));
        assertEquals("Socks5", udpMeta.get("type"));
        assertEquals("", udpMeta.get("sourceIP"));
        assertEquals("198.51.100.7", udpMeta.get("destinationIP"));
        assertEquals("53", udpMeta.get("destinationPort"));
    }

    /** mihomo's resolveMetadata gives no rule in modes global and direct and for a listener's proxy (s69 F8). */
    @Test
    void aFlowNoRuleDecidedHasAnEmptyRuleAsInMihomo() throws Exception {
        FlowTable flows = new FlowTable(8);
        Metadata md = new Metadata(Network.TCP, Destination.ofHost("example.test", 443),
                new InetSocketAddress("192.0.2.1", 40000), "tun", null);
        List<Flow> opened = List.of(flows.open(md, "GLOBAL", List.of("web", "GLOBAL")),
                flows.open(md, "DIRECT", "DIRECT", "DIRECT"),
                flows.open(md, "LISTENER,jp-in", "jp", "jp"),
                flows.open(md, "DOMAIN-SUFFIX,example.test", "DIRECT", "DIRECT"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> all = (List<Map<String, Object>>) read(ClashViews.connections(flows, null))
                .get("connections");
        List<String> rules = new ArrayList<>();
        List<String> special = new ArrayList<>();
        for (Flow f : opened) {
            Map<String, Object> c = all.stream().filter(m -> m.get("id").equals(ConnectionIds.of(f.id())))
                    .findFirst().orElseThrow();
            rules.add(c.get("rule") + "/" + c.get("rulePayload"));
            special.add((String) ((Map<?, ?>) c.get("metadata")).get("specialProxy"));
        }
        assertEquals(List.of("/", "/", "/", "DomainSuffix/example.test"), rules);
        assertEquals(List.of("", "", "jp", ""), special);
    }

    /** RFC 5952's form, as mihomo's netip.Addr writes it and dashboards filter by; Java's own is uncompressed. */
    @Test
    void ipv6AddressesAreWrittenInTheirShortForm() throws Exception {
        FlowTable flows = new FlowTable(8);
        flows.open(new Metadata(Network.TCP, Destination.of(new InetSocketAddress(InetAddress.getByName("2001:db8::20"),
                7)), new InetSocketAddress(InetAddress.getByName("fdfe:dcba:9876::1"), 40000), "tun", null),
                "MATCH", "DIRECT", "DIRECT");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> all = (List<Map<String, Object>>) read(ClashViews.connections(flows, null))
                .get("connections");
        Map<?, ?> md = (Map<?, ?>) all.get(0).get("metadata");
        assertEquals("fdfe:dcba:9876::1", md.get("sourceIP"));
        assertEquals("2001:db8::20", md.get("destinationIP"));
        assertEquals("[2001:db8::20]:7", Destination.of(new InetSocketAddress(InetAddress.getByName("2001:db8::20"), 7))
                .toString(), "and in the log's lines");
    }

    @Test
    void eachInboundHasMihomosTypeName() {
        assertEquals("Tunnel", ClashViews.inboundType("tunnel", null), "mihomo's tunnels, not its TUN");
        assertEquals("Tun", ClashViews.inboundType("tun", null));
        assertEquals("TProxy", ClashViews.inboundType("tproxy", null), "mihomo's spelling");
        assertEquals("Redir", ClashViews.inboundType("redir", null));
        assertEquals("Socks5", ClashViews.inboundType("socks5", null));
        assertEquals("HTTP", ClashViews.inboundType("http", "HTTP"));
        assertEquals("HTTPS", ClashViews.inboundType("http", "HTTPS"), "a CONNECT, as mihomo lists it");
    }

    @Test
    void anEmptyTableIsClashsEmptyListWithMihomosMemory() throws Exception {
        ByteBuf buf = Json.write(UnpooledByteBufAllocator.DEFAULT, ClashViews.connections(new FlowTable(1), null));
        try {
            assertTrue(buf.toString(StandardCharsets.UTF_8)
                    .matches("\\{\"downloadTotal\":0,\"uploadTotal\":0,\"connections\":\\[],\"memory\":[1-9][0-9]*}"),
                    buf.toString(StandardCharsets.UTF_8));
        } finally {
            buf.release();
        }
    }

    private static Map<String, Object> read(Json.Document document) throws Exception {
        ByteBuf buf = Json.write(UnpooledByteBufAllocator.DEFAULT, document);
        try {
            return Json.parseObject(buf.toString(StandardCharsets.UTF_8));
        } finally {
            buf.release();
        }
    }
}
