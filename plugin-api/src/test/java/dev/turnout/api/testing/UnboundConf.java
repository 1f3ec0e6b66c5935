package dev.turnout.api.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The config of a real unbound for DNS tests: in the foreground as the user running it, answering only its own
 * records (a static root zone gives every other name NXDOMAIN, so it never asks the internet), over plain DNS, DNS
 * over TLS and DNS over HTTPS (HTTP/2) with a test CA's certificate.
 */
public final class UnboundConf {

    private UnboundConf() {
    }

    /**
     * @param dir        its working folder, where it logs ({@code unbound.log})
     * @param listen     {@code address@port} for each interface it listens on
     * @param tlsPort    the port of those that speaks DNS over TLS
     * @param httpsPort  the port that speaks DNS over HTTPS, on {@code /dns-query}
     * @param records    name to IPv4 address, each an A record with a TTL of 300 s
     */
    public static List<String> lines(Path dir, TestCertificates certs, List<String> listen, int tlsPort, int httpsPort,
            Map<String, String> records) {
        List<String> conf = new ArrayList<>(List.of("server:",
                "  username: \"\"", "  chroot: \"\"", "  directory: \"" + dir + "\"", "  pidfile: \"\"",
                "  do-daemonize: no", "  use-syslog: no", "  logfile: \"" + dir.resolve("unbound.log") + "\"",
                "  verbosity: 1", "  log-queries: yes", "  module-config: \"iterator\"", "  do-ip6: no",
                "  access-control: 0.0.0.0/0 allow",
                "  tls-port: " + tlsPort, "  https-port: " + httpsPort, "  http-endpoint: \"/dns-query\"",
                "  tls-service-key: \"" + certs.privateKey() + "\"",
                "  tls-service-pem: \"" + certs.certificate() + "\"",
                "  local-zone: \".\" static"));
        listen.forEach(l -> conf.add("  interface: " + l));
        records.forEach((name, address) -> conf.add("  local-data: \"" + name + ". 300 IN A " + address + "\""));
        return conf;
    }
}
