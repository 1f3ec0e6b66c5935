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
     * @param network {@code tcp} or {@code ws}
     * @param tls the certificate to serve, or {@code null} for none
     * @param port filled in by {@link #start}
     */
    public record Inbound(String protocol, String uuid, String network, String wsPath, TestCertificates tls, int port) {

        public Inbound(String protocol, String uuid, String network, String wsPath, TestCertificates tls) {
            this(protocol, uuid, network, wsPath, tls, 0);
        }

        String json() {
            String client = "vmess".equals(protocol)
                    ? "{\"clients\":[{\"id\":\"" + uuid + "\",\"alterId\":0}]}"
                    : "{\"clients\":[{\"id\":\"" + uuid + "\"}],\"decryption\":\"none\"}";
            StringBuilder stream = new StringBuilder("{\"network\":\"" + network + "\"");
            if ("ws".equals(network)) {
                stream.append(",\"wsSettings\":{\"path\":\"").append(wsPath).append("\"}");
            }
            if (tls != null) {
                stream.append(",\"security\":\"tls\",\"tlsSettings\":{\"certificates\":[{\"certificateFile\":\"")
                        .append(tls.certificate()).append("\",\"keyFile\":\"").append(tls.privateKey()).append("\"}]}");
            }
            stream.append('}');
            return "{\"listen\":\"127.0.0.1\",\"port\":" + port + ",\"protocol\":\"" + protocol + "\",\"settings\":"
                    + client + ",\"streamSettings\":" + stream + "}";
        }
    }

    private V2rayServer() {
    }

    public static boolean installed() {
        return Files.isExecutable(BINARY);
    }

    /**
     * Starts v2ray with {@code inbounds} (their ports chosen here) and returns once the first listens; the
     * returned list holds the inbounds with their ports, in order.
     */
    public static DaemonProcess start(Path dir, List<Inbound> inbounds, List<Inbound> withPorts)
            throws IOException, InterruptedException {
        List<String> json = new ArrayList<>();
        for (Inbound in : inbounds) {
            Inbound placed = new Inbound(in.protocol(), in.uuid(), in.network(), in.wsPath(), in.tls(),
                    LocalTcpServer.closedPort());
            withPorts.add(placed);
            json.add(placed.json());
        }
        Path access = dir.resolve("v2ray-access.log");
        Path error = dir.resolve("v2ray-error.log");
        Path config = dir.resolve("v2ray.json");
        Files.writeString(config, "{\"log\":{\"loglevel\":\"info\",\"access\":\"" + access + "\",\"error\":\"" + error
                + "\"},\"inbounds\":[" + String.join(",", json) + "],"
                + "\"outbounds\":[{\"protocol\":\"freedom\",\"tag\":\"direct\"},{\"protocol\":\"blackhole\",\"tag\":\"block\"}],"
                + "\"routing\":{\"rules\":["
                + "{\"type\":\"field\",\"domain\":[\"full:localhost\"],\"outboundTag\":\"direct\"},"
                + "{\"type\":\"field\",\"ip\":[\"127.0.0.0/8\"],\"outboundTag\":\"direct\"},"
                + "{\"type\":\"field\",\"network\":\"tcp,udp\",\"outboundTag\":\"block\"}]}}\n");
        Files.writeString(access, "");
        return DaemonProcess.start("v2ray", List.of(BINARY.toString(), "-config", config.toString()), dir, access,
                withPorts.get(0).port());
    }
}
