package dev.turnout.plugins.v2ray.testing;

import dev.turnout.api.testing.DaemonProcess;
import dev.turnout.api.testing.LocalTcpServer;
import dev.turnout.api.testing.TestCertificates;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A real v2ray (Debian's {@code v2ray}, 4.34) on 127.0.0.1 with one inbound per {@link Inbound}: a generated JSON
 * config in a temp folder, run as a {@link DaemonProcess} (closing it stops v2ray). Its routing lets only loopback
 * destinations out ({@code freedom}); anything else goes to a blackhole, so tests never reach beyond this machine.
 * The access log names every destination as the client sent it ({@code accepted tcp:localhost:PORT}).
 */
public final class V2rayServer {

    public static final Path BINARY = Path.of("/usr/bin/v2ray");

    /**
     * One inbound.
     *
     * @param protocol {@code vmess} or {@code vless}
     * @param network {@code tcp}, {@code ws}, {@code http} (V2Ray's HTTP/2, with TLS; {@code wsPath} is its path
     *     and {@link #H2_HOST} its host) or {@link #TCP_HTTP} (its path in {@code wsPath})
     * @param tls the certificate to serve, or {@code null} for none
     * @param port filled in by {@link #start}
     * @param alterId a vmess user's alterId, as servers set up before 2020 have it (0 for AEAD only)
     */
    /** The network of a tcp inbound in V2Ray's HTTP/1.1 header disguise. */
    public static final String TCP_HTTP = "tcp+http-header";

    /** The host an {@code http} (HTTP/2) inbound serves. */
    public static final String H2_HOST = "h2.v2ray.test";

    public record Inbound(String protocol, String uuid, String network, String wsPath, TestCertificates tls, int port,
                          int alterId) {

        public Inbound(String protocol, String uuid, String network, String wsPath, TestCertificates tls, int port) {
            this(protocol, uuid, network, wsPath, tls, port, 0);
        }

        public Inbound(String protocol, String uuid, String network, String wsPath, TestCertificates tls) {
            this(protocol, uuid, network, wsPath, tls, 0);
        }

        /** The same inbound on {@code newPort}. */
        public Inbound on(int newPort) {
            return new Inbound(protocol, uuid, network, wsPath, tls, newPort, alterId);
        }

        String json(String listen) {
            String client = "vmess".equals(protocol)
                    ? "{\"clients\":[{\"id\":\"" + uuid + "\",\"alterId\":" + alterId + "}]}"
                    : "{\"clients\":[{\"id\":\"" + uuid + "\"}],\"decryption\":\"none\"}";
            StringBuilder stream = new StringBuilder("{\"network\":\"" + (TCP_HTTP.equals(network) ? "tcp" : network)
                    + "\"");
            if (TCP_HTTP.equals(network)) {
                // tcp in V2Ray's HTTP/1.1 header ("network: http" in Clash); wsPath is the request's path.
                stream.append(",\"tcpSettings\":{\"header\":{\"type\":\"http\",\"request\":{\"path\":[\"")
                        .append(wsPath).append("\"]}}}");
            }
            if ("ws".equals(network)) {
                stream.append(",\"wsSettings\":{\"path\":\"").append(wsPath).append("\"}");
            }
            if ("http".equals(network)) {
                // V2Ray's HTTP/2 transport: it answers only requests for this host and path (404 otherwise).
                stream.append(",\"httpSettings\":{\"host\":[\"").append(H2_HOST).append("\"],\"path\":\"")
                        .append(wsPath).append("\"}");
            }
            if (tls != null) {
                stream.append(",\"security\":\"tls\",\"tlsSettings\":{\"certificates\":[{\"certificateFile\":\"")
                        .append(tls.certificate()).append("\",\"keyFile\":\"").append(tls.privateKey()).append("\"}]}");
            }
            stream.append('}');
            return "{\"listen\":\"" + listen + "\",\"port\":" + port + ",\"protocol\":\"" + protocol + "\",\"settings\":"
                    + client + ",\"streamSettings\":" + stream + "}";
        }
    }

    private V2rayServer() {
    }

    /**
     * A v2ray config: {@code inbounds} (with their ports) on {@code listen}, logs to the two files, and routing
     * that lets only {@code ips} (CIDRs) and {@code domains} (full names) out; anything else is dropped.
     */
    public static String config(String listen, List<Inbound> inbounds, Path access, Path error, List<String> ips,
                                List<String> domains) {
        List<String> json = new ArrayList<>();
        for (Inbound in : inbounds) {
            json.add(in.json(listen));
        }
        return "{\"log\":{\"loglevel\":\"info\",\"access\":\"" + access + "\",\"error\":\"" + error
                + "\"},\"inbounds\":[" + String.join(",", json) + "],"
                + "\"outbounds\":[{\"protocol\":\"freedom\",\"tag\":\"direct\"},"
                + "{\"protocol\":\"blackhole\",\"tag\":\"block\"}],"
                + "\"routing\":{\"rules\":["
                + "{\"type\":\"field\",\"domain\":[" + quoted(domains, "full:") + "],\"outboundTag\":\"direct\"},"
                + "{\"type\":\"field\",\"ip\":[" + quoted(ips, "") + "],\"outboundTag\":\"direct\"},"
                + "{\"type\":\"field\",\"network\":\"tcp,udp\",\"outboundTag\":\"block\"}]}}\n";
    }

    private static String quoted(List<String> values, String prefix) {
        List<String> q = new ArrayList<>();
        for (String v : values) {
            q.add("\"" + prefix + v + "\"");
        }
        return String.join(",", q);
    }

    public static boolean installed() {
        return Files.isExecutable(BINARY);
    }

    /**
     * Starts v2ray on 127.0.0.1 with {@code inbounds} (their ports chosen here), letting only loopback
     * destinations out, and returns once every inbound listens; {@code withPorts} gets the inbounds with their
     * ports, in order. The ports are free when chosen but v2ray binds them a moment later, when another socket may
     * have taken one: then v2ray stops, and it is started again on new ports (three tries).
     */
    public static DaemonProcess start(Path dir, List<Inbound> inbounds, List<Inbound> withPorts)
            throws IOException, InterruptedException {
        IOException failure = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            List<Integer> ports = LocalTcpServer.closedPorts(inbounds.size());
            List<Inbound> placed = new ArrayList<>();
            for (int i = 0; i < inbounds.size(); i++) {
                placed.add(inbounds.get(i).on(ports.get(i)));
            }
            try {
                DaemonProcess v2ray = startOn(dir, placed);
                withPorts.addAll(placed);
                return v2ray;
            } catch (IOException e) {
                failure = e;
            }
        }
        throw failure;
    }

    private static DaemonProcess startOn(Path dir, List<Inbound> placed) throws IOException, InterruptedException {
        Path access = dir.resolve("v2ray-access.log");
        Path config = dir.resolve("v2ray.json");
        Files.writeString(config, config("127.0.0.1", placed, access, dir.resolve("v2ray-error.log"),
                List.of("127.0.0.0/8"), List.of("localhost")));
        Files.writeString(access, "");
        DaemonProcess v2ray = DaemonProcess.start("v2ray", List.of(BINARY.toString(), "-config", config.toString()),
                dir, access, placed.get(0).port());
        try {
            for (Inbound in : placed) {
                v2ray.awaitListening(in.port());
            }
        } catch (IOException | RuntimeException e) {
            v2ray.close();
            throw e;
        }
        return v2ray;
    }
}
