package dev.turnout.dist.testing;

import dev.turnout.api.testing.Required;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A client namespace whose default route is a server namespace across a veth, as a desktop behind its router: the
 * server answers HTTP on {@link #REMOTE}:8080 and DNS on {@link #DNS} ({@code web.example.test} is {@link #REMOTE});
 * the client's resolver is {@link #NOBODY}, where nobody serves, so only a TUN that hijacks DNS answers it. Made
 * before each test of a class (register as a {@code @RegisterExtension} field) and removed after it, whatever
 * happened.
 */
public final class WebBehindRouter implements BeforeEachCallback, AfterEachCallback {

    public static final String CLIENT = "192.0.2.1";
    public static final String SERVER = "192.0.2.2";
    public static final String REMOTE = "198.51.100.2";
    public static final String DNS = "198.51.100.53";
    public static final String NOBODY = "203.0.113.53";

    private final String name;
    private final String[] commands;
    private Path dir;
    private Netns client;
    private Netns server;

    /**
     * @param name the namespaces' and the folder's prefix
     * @param commands programs the tests run, besides curl and dnsmasq: a test is skipped, saying which is missing
     */
    public WebBehindRouter(String name, String... commands) {
        this.name = name;
        this.commands = commands;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        List<String> needed = new ArrayList<>(List.of("curl", "dnsmasq"));
        needed.addAll(List.of(commands));
        Netns.assumeUsable(needed.toArray(String[]::new));
        Required.that(Files.exists(Path.of("/dev/net/tun")), () -> "no /dev/net/tun (TUN support)");
        dir = ScratchDir.create(name);
        client = Netns.create(name + "c");
        server = Netns.create(name + "s");
        client.link("veth0", List.of(CLIENT + "/24"), server, "veth0", List.of(SERVER + "/24"));
        server.address("veth0", REMOTE + "/32");
        server.address("veth0", DNS + "/32");
        client.defaultRoute(SERVER);
        client.resolver(NOBODY);
        server.spawn(dir.resolve("http.log"), Daemons.peer("http", "8080"));
        Daemons.dnsmasq(server, dir.resolve("dnsmasq.log"), DNS, 53, "--host-record=web.example.test," + REMOTE,
                "--local=/example.test/");
        server.awaitTcpPort(8080, Duration.ofSeconds(20));
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        try {
            Netns.closeAll(client, server);
        } finally {
            client = null;
            server = null;
            if (dir != null) {
                ScratchDir.delete(dir);
                dir = null;
            }
        }
    }

    public Netns client() {
        return client;
    }

    public Netns server() {
        return server;
    }

    public Path dir() {
        return dir;
    }
}
