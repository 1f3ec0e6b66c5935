package dev.turnout.plugins.trojan;

import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.api.Outbound;
import dev.turnout.api.testing.PlainDialer;
import dev.turnout.api.testing.TestContext;
import dev.turnout.api.testing.TestOptions;
import dev.turnout.host.dial.layer.TlsLayer;
import dev.turnout.host.dial.layer.WebSocketLayer;
import dev.turnout.host.outbound.PluginContext;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Builds trojan outbounds as the host does (its TLS and WebSocket layers), for a server on 127.0.0.1. */
final class Trojans {

    static final String PASSWORD = "correct horse battery staple";

    private Trojans() {
    }

    /**
     * A trojan outbound for a server on 127.0.0.1:{@code port} with the test password, trusting {@code ca} (as
     * {@code SSL_CERT_FILE} would), or only the JDK's store when {@code null}.
     */
    static Outbound outbound(int port, Path ca, Map<String, Object> extra) throws Exception {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("password", PASSWORD);
        values.putAll(extra);
        PlainDialer dialer = new PlainDialer();
        PluginContext context = new PluginContext(dialer, new TestContext(dialer).resolver(),
                new TlsLayer(ca == null ? null : ca.toString()), new WebSocketLayer());
        return new TrojanType().create(TestOptions.loopbackServer("tj", "trojan", port, values), context);
    }

    static Metadata tcp(Destination d) {
        return Metadata.internal(Network.TCP, d);
    }

    static Metadata udp(Destination d) {
        return Metadata.internal(Network.UDP, d);
    }
}
