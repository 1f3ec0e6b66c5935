package dev.turnout.plugins.v2ray.testing;

import dev.turnout.api.testing.DaemonProcess;
import dev.turnout.api.testing.GunServer;
import dev.turnout.api.testing.Required;
import dev.turnout.api.testing.TestCertificates;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real v2ray on 127.0.0.1 for a test class, with one inbound of the protocol per transport ({@code tcp},
 * {@code ws}, {@code tcp+tls}, {@code ws+tls}; TLS with a test CA for the name {@code v2ray.test}), all for one
 * random uuid (or the one given): started before the class's tests, stopped after them. Register as a static
 * {@code @RegisterExtension} field.
 *
 * <p>{@code h2+tls} is V2Ray's HTTP/2 transport ({@code network: h2}); {@code http} and {@code http+tls} its tcp
 * transport with the HTTP/1.1 header ({@code network: http}). {@code grpc} and {@code grpc+tls} put a gRPC server (grpc-java, {@link GunServer}) in front of a tcp inbound,
 * carrying each gun call to it: Debian's v2ray 4.34 predates V2Ray's gRPC transport, and a gun inbound of V2Ray or
 * Xray does the same between its gRPC server and the protocol.
 */
public final class V2rayFixture implements BeforeAllCallback, AfterAllCallback {

    /** The request path of the {@code http} (tcp in V2Ray's HTTP/1.1 header) inbounds. */
    public static final String HTTP_PATH = "/disguise";

    /** The service the gRPC servers answer, as a subscription's {@code grpc-service-name} names it. */
    public static final String GRPC_SERVICE = "v2ray.Gun";

    private final String protocol;
    private final List<String> transports;
    private final String uuid;
    private final int alterId;
    private final List<V2rayServer.Inbound> inbounds = new ArrayList<>();
    private final Map<String, GunServer> gunServers = new LinkedHashMap<>();
    private Path dir;
    private TestCertificates certificates;
    private DaemonProcess daemon;

    public V2rayFixture(String protocol, String... transports) {
        this(UUID.randomUUID().toString(), 0, protocol, transports);
    }

    private V2rayFixture(String uuid, int alterId, String protocol, String... transports) {
        this.uuid = uuid;
        this.alterId = alterId;
        this.protocol = protocol;
        this.transports = List.of(transports);
    }

    /** The same, for the user with that uuid (in v2ray's 8-4-4-4-12 form) in place of a random one. */
    public static V2rayFixture forUser(String uuid, String protocol, String... transports) {
        return new V2rayFixture(uuid, 0, protocol, transports);
    }

    /** The same, for a vmess user with that alterId, as a server set up before VMess's AEAD header has it. */
    public static V2rayFixture withAlterId(int alterId, String... transports) {
        return new V2rayFixture(UUID.randomUUID().toString(), alterId, "vmess", transports);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        Required.that(V2rayServer.installed(), () -> "v2ray is not installed (apt-get install v2ray)");
        dir = Files.createTempDirectory("v2ray-" + protocol);
        certificates = TestCertificates.issue(dir, "v2ray.test");
        List<V2rayServer.Inbound> wanted = new ArrayList<>();
        for (String transport : transports) {
            boolean ws = transport.startsWith("ws");
            boolean h2 = transport.startsWith("h2");
            boolean http = transport.startsWith("http");
            boolean tls = transport.endsWith("+tls") && !transport.startsWith("grpc");
            wanted.add(new V2rayServer.Inbound(protocol, uuid,
                    ws ? "ws" : h2 ? "http" : http ? V2rayServer.TCP_HTTP : "tcp",
                    ws ? "/" + protocol + (tls ? "-tls" : "") : h2 ? "/h2-" + protocol
                            : http ? HTTP_PATH : null,
                    tls ? certificates : null, 0, alterId));
        }
        daemon = V2rayServer.start(dir, wanted, inbounds);
        for (String transport : transports) {
            if (transport.startsWith("grpc")) {
                gunServers.put(transport, GunServer.carrying(GRPC_SERVICE,
                        transport.endsWith("+tls") ? certificates : null,
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), inbound(transport).port())));
            }
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        try {
            gunServers.values().forEach(GunServer::close);
            if (daemon != null) {
                daemon.close();
            }
        } finally {
            if (dir != null) {
                try (Stream<Path> files = Files.walk(dir)) {
                    for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        }
    }

    /** The uuid every inbound accepts. */
    public String uuid() {
        return uuid;
    }

    /** The running v2ray (its logs). */
    public DaemonProcess daemon() {
        return daemon;
    }

    /** The gRPC server in front of the inbound of a {@code grpc} transport (the calls it saw). */
    public GunServer gunServer(String transport) {
        return gunServers.get(transport);
    }

    public V2rayServer.Inbound inbound(String transport) {
        return inbounds.get(transports.indexOf(transport));
    }

    /**
     * A proxy entry's options for the inbound of {@code transport}, as a user writes them (port, uuid, udp,
     * network and ws-opts, tls with the server name and the certificate's pin); {@code server} is the caller's.
     */
    public Map<String, Object> options(String transport, String uuid) {
        V2rayServer.Inbound in = inbound(transport);
        GunServer grpc = gunServers.get(transport);
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("port", grpc != null ? grpc.port() : in.port());
        o.put("uuid", uuid);
        o.put("udp", true);
        if (in.network().equals("ws")) {
            o.put("network", "ws");
            o.put("ws-opts", Map.of("path", in.wsPath()));
        }
        if (in.network().equals("http")) {
            o.put("network", "h2");
            o.put("h2-opts", Map.of("host", List.of(V2rayServer.H2_HOST), "path", in.wsPath()));
        }
        if (in.network().equals(V2rayServer.TCP_HTTP)) {
            o.put("network", "http");
            o.put("http-opts", Map.of("path", List.of(in.wsPath()), "headers", Map.of("Host", List.of("www.example.com"))));
        }
        if (grpc != null) {
            o.put("network", "grpc");
            o.put("grpc-opts", Map.of("grpc-service-name", GRPC_SERVICE));
        }
        if (in.tls() != null || (grpc != null && transport.endsWith("+tls"))) {
            o.put("tls", true);
            o.put("servername", "v2ray.test");
            o.put("fingerprint", certificates.fingerprintHex());
        }
        return o;
    }
}
