package dev.turnout.plugins.v2ray;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.turnout.api.testing.TestOptions;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Keys subscriptions carry that do nothing here: each is named in a warning, the entry is still taken. */
class IgnoredKeysTest {

    private static List<String> warnings(Object... keyValues) {
        return logged(() -> IgnoredKeys.warn(TestOptions.of("vless", keyValues)));
    }

    private static List<String> packetEncodingWarnings(boolean udp, Object... keyValues) {
        Object[] withUdp = Arrays.copyOf(keyValues, keyValues.length + 2);
        withUdp[keyValues.length] = "udp";
        withUdp[keyValues.length + 1] = udp;
        return logged(() -> IgnoredKeys.warnPacketEncoding(TestOptions.of("vmess", withUdp), "VMess"));
    }

    private interface Step {
        void run() throws Exception;
    }

    private static List<String> logged(Step run) {
        Logger logger = (Logger) LoggerFactory.getLogger(IgnoredKeys.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            run.run();
        } catch (Exception e) {
            throw new AssertionError(e);
        } finally {
            logger.detachAppender(appender);
        }
        return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Test
    void eachUnsupportedKeyIsNamedOnce() {
        assertEquals(List.of(
                "vless 'p': 'client-fingerprint' is not supported by the vless plugin and has no effect",
                "vless 'p': 'tfo' is not supported by the vless plugin and has no effect",
                "vless 'p': 'mptcp' is not supported by the vless plugin and has no effect",
                "vless 'p': 'smux' is not supported by the vless plugin and has no effect",
                "vless 'p': 'ip-version' is not supported by the vless plugin and has no effect"),
                warnings("client-fingerprint", "chrome", "tfo", true, "mptcp", true, "smux", java.util.Map.of(),
                        "ip-version", "ipv4", "udp", true));
    }

    @Test
    void anEntryWithoutThemWarnsOfNothing() {
        assertEquals(List.of(), warnings("udp", true, "network", "ws"));
    }

    @Test
    void aPacketEncodingIsNamedWithWhatUdpDoesInsteadAndOnlyWhenTheEntryCarriesUdp() {
        String plain = ": UDP goes as plain VMess UDP instead, one stream per destination";
        assertEquals(List.of("vmess 'p': packet encoding 'xudp' is not implemented by the vmess plugin" + plain),
                packetEncodingWarnings(true, "packet-encoding", "xudp"));
        assertEquals(List.of("vmess 'p': packet encoding 'xudp' is not implemented by the vmess plugin" + plain),
                packetEncodingWarnings(true, "xudp", true));
        assertEquals(List.of("vmess 'p': packet encoding 'packetaddr' is not implemented by the vmess plugin" + plain),
                packetEncodingWarnings(true, "packet-addr", true));
        assertEquals(List.of(), packetEncodingWarnings(false, "packet-encoding", "xudp"), "no UDP, nothing changes");
        assertEquals(List.of(), packetEncodingWarnings(true, "xudp", false));
    }
}
