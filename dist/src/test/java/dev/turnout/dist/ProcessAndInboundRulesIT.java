package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.testing.Required;
import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import dev.turnout.dist.testing.ScratchDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * mihomo's rules about who sent a flow, on the mixed port of the packaged Turnout: PROCESS-NAME, PROCESS-PATH,
 * their -REGEX forms and UID found from the client's socket by sock_diag and /proc (curl itself, a copy of curl under another
 * name, curl run as nobody), and IN-PORT, IN-NAME and IN-TYPE from the listener the flow came in on. Each rule
 * is scoped to its own name with AND, and REJECTs, so a match shows as a refused request (403 from the HTTP
 * proxy, a refused CONNECT or SOCKS5 request) and no match as the server's answer.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProcessAndInboundRulesIT {

    static final int MIXED = 7890;
    static final int SOCKS = 7891;
    static final int HTTP = 8080;
    static final int NOBODY = 65534;

    Path dir;
    Netns ns;
    Path turnoutLog;
    Path curl;
    Path renamedCurl;

    @BeforeAll
    void start() throws Exception {
        Netns.assumeUsable("curl", "setpriv");
        Path dist = Path.of(System.getProperty("turnout.dist"));
        dir = ScratchDir.create("tident");
        curl = Path.of("/usr/bin/curl").toRealPath();
        Required.that(Files.isExecutable(curl), () -> "no /usr/bin/curl");
        // The same program under another name and path: PROCESS-NAME and PROCESS-PATH must tell it apart.
        renamedCurl = dir.resolve("fetcher");
        Files.copy(curl, renamedCurl, StandardCopyOption.COPY_ATTRIBUTES);
        ns = Netns.create("tident");
        ns.hosts(Map.of("name.test", "127.0.0.1", "path.test", "127.0.0.1", "uid.test", "127.0.0.1",
                "port.test", "127.0.0.1", "inname.test", "127.0.0.1", "type.test", "127.0.0.1",
                "plain.test", "127.0.0.1", "regex.test", "127.0.0.1"));
        ns.spawn(dir.resolve("http.log"), Daemons.peer("http", Integer.toString(HTTP)));
        ns.awaitTcpPort(HTTP, Duration.ofSeconds(20));
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n",
                "mixed-port: " + MIXED,
                "socks-port: " + SOCKS,
                "log-level: info",
                "rules:",
                "  - AND,((DOMAIN,uid.test),(UID," + NOBODY + ")),REJECT",
                "  - AND,((DOMAIN,path.test),(PROCESS-PATH," + curl + ")),REJECT",
                "  - AND,((DOMAIN,name.test),(PROCESS-NAME,curl)),REJECT",
                "  - AND,((DOMAIN,regex.test),(PROCESS-NAME-REGEX,^FETCH(er|ing)$)),REJECT",
                "  - AND,((DOMAIN,regex.test),(PROCESS-PATH-REGEX,/usr/bin/cu.l$)),REJECT",
                "  - AND,((DOMAIN,port.test),(IN-PORT," + SOCKS + ")),REJECT",
                "  - AND,((DOMAIN,inname.test),(IN-NAME,DEFAULT-SOCKS)),REJECT",
                "  - AND,((DOMAIN,type.test),(IN-TYPE,HTTPS/SOCKS)),REJECT",
                "  - MATCH,DIRECT",
                ""));
        turnoutLog = dir.resolve("turnout.log");
        ns.spawn(turnoutLog, dist.resolve("bin/turnout").toString(), "run", "-c", config.toString(),
                "--pid-file", dir.resolve("turnout.pid").toString());
        ns.awaitTcpPort(MIXED, Duration.ofSeconds(30));
        ns.awaitTcpPort(SOCKS, Duration.ofSeconds(30));
    }

    @AfterAll
    void stop() throws IOException {
        if (ns != null) {
            ns.close();
        }
        ScratchDir.delete(dir);
    }

    /** {@code program} (curl or its copy), optionally as another user, through {@code proxyArgs}: the status. */
    private Netns.Result fetch(List<String> asUser, Path program, String url, String... proxyArgs)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(asUser);
        cmd.addAll(List.of(program.toString(), "-sS", "--max-time", "20", "-o", "/dev/null", "-w", "%{http_code}"));
        cmd.addAll(List.of(proxyArgs));
        cmd.add(url);
        return ns.run(Duration.ofSeconds(30), cmd.toArray(String[]::new));
    }

    private Netns.Result viaHttp(Path program, String host) throws IOException, InterruptedException {
        return fetch(List.of(), program, "http://" + host + ":" + HTTP + "/", "--proxy", "http://127.0.0.1:" + MIXED);
    }

    private String log() {
        return MixedPortIT.read(turnoutLog);
    }

    @Test
    void processNameMatchesCurlAndNotTheSameProgramUnderAnotherName() throws Exception {
        Netns.Result byCurl = viaHttp(curl, "name.test");
        assertEquals("403", byCurl.stdout(), byCurl.stderr() + log());
        assertTrue(log().contains("match AND,((DOMAIN,name.test),(PROCESS-NAME,curl)) using REJECT"), log());
        Netns.Result byCopy = viaHttp(renamedCurl, "name.test");
        assertEquals("200", byCopy.stdout(), byCopy.stderr() + log());
    }

    @Test
    void processRegexesMatchTheNameAndThePathAsFound() throws Exception {
        Netns.Result byCopy = viaHttp(renamedCurl, "regex.test");
        assertEquals("403", byCopy.stdout(), byCopy.stderr() + log());
        assertTrue(log().contains("match AND,((DOMAIN,regex.test),(PROCESS-NAME-REGEX,^FETCH(er|ing)$)) using REJECT"),
                log());
        Netns.Result byCurl = viaHttp(curl, "regex.test");
        assertEquals("403", byCurl.stdout(), byCurl.stderr() + log());
        assertTrue(log().contains("match AND,((DOMAIN,regex.test),(PROCESS-PATH-REGEX,/usr/bin/cu.l$)) using REJECT"),
                log());
        Netns.Result plain = viaHttp(curl, "plain.test");
        assertEquals("200", plain.stdout(), plain.stderr() + log());
    }

    @Test
    void laterRequestsOnAKeepAliveConnectionKeepTheProcessTheFirstFound() throws Exception {
        Netns.Result r = ns.run(Duration.ofSeconds(30), curl.toString(), "-sS", "--max-time", "20", "-o", "/dev/null",
                "-o", "/dev/null", "-w", "%{http_code} %{num_connects};", "--proxy", "http://127.0.0.1:" + MIXED,
                "http://plain.test:" + HTTP + "/", "http://name.test:" + HTTP + "/");
        assertEquals("200 1;403 0;", r.stdout(), "one connection, the second request matched by PROCESS-NAME: "
                + r.stderr() + log());
    }

    @Test
    void processPathMatchesTheExecutableTheClientRuns() throws Exception {
        Netns.Result byCurl = viaHttp(curl, "path.test");
        assertEquals("403", byCurl.stdout(), byCurl.stderr() + log());
        Netns.Result byCopy = viaHttp(renamedCurl, "path.test");
        assertEquals("200", byCopy.stdout(), byCopy.stderr() + log());
    }

    @Test
    void uidMatchesTheUserTheClientRunsAs() throws Exception {
        List<String> asNobody = List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups");
        Netns.Result nobody = fetch(asNobody, curl, "http://uid.test:" + HTTP + "/", "--proxy",
                "http://127.0.0.1:" + MIXED);
        assertEquals("403", nobody.stdout(), nobody.stderr() + log());
        Netns.Result root = viaHttp(curl, "uid.test");
        assertEquals("200", root.stdout(), root.stderr() + log());
    }

    @Test
    void inPortAndInNameMatchTheListenerTheFlowCameIn() throws Exception {
        for (String host : new String[] {"port.test", "inname.test"}) {
            Netns.Result socksPort = fetch(List.of(), curl, "http://" + host + ":" + HTTP + "/", "--socks5-hostname",
                    "127.0.0.1:" + SOCKS);
            assertNotEquals(0, socksPort.exitCode(), host + " through socks-port is refused: " + log());
            Netns.Result mixedPort = fetch(List.of(), curl, "http://" + host + ":" + HTTP + "/", "--socks5-hostname",
                    "127.0.0.1:" + MIXED);
            assertEquals("200", mixedPort.stdout(), host + ": " + mixedPort.stderr() + log());
        }
    }

    @Test
    void inTypeTellsConnectAndSocks5FromPlainHttp() throws Exception {
        Netns.Result connect = fetch(List.of(), curl, "http://type.test:" + HTTP + "/", "--proxytunnel", "--proxy",
                "http://127.0.0.1:" + MIXED);
        assertNotEquals(0, connect.exitCode(), "CONNECT is HTTPS to mihomo: " + log());
        Netns.Result socks = fetch(List.of(), curl, "http://type.test:" + HTTP + "/", "--socks5-hostname",
                "127.0.0.1:" + MIXED);
        assertNotEquals(0, socks.exitCode(), "SOCKS covers SOCKS5: " + log());
        Netns.Result plain = viaHttp(curl, "type.test");
        assertEquals("200", plain.stdout(), plain.stderr() + log());
    }
}
