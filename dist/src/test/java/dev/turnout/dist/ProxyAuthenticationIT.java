package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.dist.controller.Api;
import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import dev.turnout.dist.testing.ScratchDir;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code authentication} with {@code allow-lan}, as mihomo's documented config has it: the packaged Turnout's mixed
 * port in one namespace, a LAN client (curl) in another. The client must give a user and password, over SOCKS5
 * (RFC 1929) and over HTTP ({@code Proxy-Authorization}, a 407 without); this machine's own clients are not asked.
 * The user a client gave is what IN-USER rules match.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProxyAuthenticationIT {

    static final String HOST = "192.0.2.1";
    static final String LAN = "192.0.2.2";
    /** A second address of the LAN namespace, which lan-disallowed-ips names. */
    static final String GUEST = "192.0.2.66";
    /** A password with a colon, which only the first colon of the entry separates from the user. */
    static final String USER = "alice";
    static final String PASSWORD = "s3cret:x";
    /** A user and password beyond ASCII, as a config in Chinese or Russian has them. */
    static final String WIDE_USER = "льв";
    static final String WIDE_PASSWORD = "пароль密码";

    Path dir;
    Netns host;
    Netns lan;

    @BeforeAll
    void start() throws Exception {
        Netns.assumeUsable("curl");
        Path dist = Path.of(System.getProperty("turnout.dist"));
        dir = ScratchDir.create("tauth");
        host = Netns.create("tauthh");
        lan = Netns.create("tauthl");
        host.link("veth0", List.of(HOST + "/24"), lan, "veth0", List.of(LAN + "/24", GUEST + "/24"));
        host.spawn(dir.resolve("http.log"), Daemons.peer("http", "8080"));
        host.awaitTcpPort(8080, Duration.ofSeconds(20));
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n",
                "mixed-port: 7890",
                "external-controller: 127.0.0.1:9090",
                "allow-lan: true",
                "bind-address: '*'",
                "lan-allowed-ips: [192.0.2.0/24]",
                "lan-disallowed-ips: [" + GUEST + "/32]",
                "authentication:",
                "  - 'bob:other'",
                "  - '" + USER + ":" + PASSWORD + "'",
                "  - '" + WIDE_USER + ":" + WIDE_PASSWORD + "'",
                "rules:",
                "  - IN-USER,bob,REJECT",
                "  - MATCH,DIRECT",
                ""));
        host.spawn(dir.resolve("turnout.log"), dist.resolve("bin/turnout").toString(), "run", "-c", config.toString());
        host.awaitTcpPort(7890, Duration.ofSeconds(30));
    }

    @AfterAll
    void stop() throws IOException {
        Netns.closeAll(host, lan);
        ScratchDir.delete(dir);
    }

    private String log() {
        return MixedPortIT.read(dir.resolve("turnout.log"));
    }

    /** curl in {@code ns} through {@code proxy}: its exit status, and the HTTP status it printed. */
    private Netns.Result curl(Netns ns, String... proxyArgs) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "10", "-o", "/dev/null",
                "-w", "%{http_code}"));
        cmd.addAll(List.of(proxyArgs));
        cmd.add("http://" + HOST + ":8080/through");
        return ns.run(Duration.ofSeconds(20), cmd.toArray(String[]::new));
    }

    @Test
    void httpClientsOnTheLanNeedTheUserAndPassword() throws Exception {
        String proxy = "http://" + HOST + ":7890";
        assertEquals("407", curl(lan, "-x", proxy).stdout(), "no credentials: 407");
        assertEquals("403", curl(lan, "-x", proxy, "--proxy-user", USER + ":wrong").stdout(),
                "a wrong password: 403, as mihomo's");
        assertEquals("200", curl(lan, "-x", proxy, "--proxy-user", USER + ":" + PASSWORD).stdout(), this::log);
        assertEquals("403", curl(lan, "-x", proxy, "--proxy-user", "bob:other").stdout(), "IN-USER,bob,REJECT");
        // CONNECT: curl's -p tunnels through the proxy, asking with the same header.
        assertEquals("200", curl(lan, "-p", "-x", proxy, "--proxy-user", USER + ":" + PASSWORD).stdout());
        Netns.Result refused = curl(lan, "-p", "-x", proxy);
        assertNotEquals(0, refused.exitCode(), "a CONNECT without credentials is refused");
        assertTrue(refused.stderr().contains("407"), refused.stderr());
    }

    @Test
    void socks5ClientsOnTheLanNeedTheUserAndPassword() throws Exception {
        Netns.Result none = curl(lan, "-x", "socks5h://" + HOST + ":7890");
        assertNotEquals(0, none.exitCode(), "SOCKS5 without credentials");
        Netns.Result wrong = curl(lan, "-x", "socks5h://" + USER + ":wrong@" + HOST + ":7890");
        assertNotEquals(0, wrong.exitCode(), "SOCKS5 with a wrong password");
        Netns.Result right = curl(lan, "-x", "socks5h://" + USER + ":" + PASSWORD.replace(":", "%3A") + "@" + HOST
                + ":7890");
        assertEquals("200", right.stdout(), () -> right.stderr() + log());
        Netns.Result bob = curl(lan, "-x", "socks5h://bob:other@" + HOST + ":7890");
        assertNotEquals(0, bob.exitCode(), "IN-USER,bob,REJECT");
        assertTrue(log().contains("match IN-USER"), this::log);
    }

    @Test
    void aUserAndPasswordBeyondAsciiAreTakenOverSocks5AsOverHttp() throws Exception {
        // Sent as UTF-8 bytes by curl (from the proxy URL's percent-encoding, so that the test's own arguments stay
        // ASCII whatever the machine's locale), as Clash 1.18 takes them. SOCKS5 refused them before.
        String user = URLEncoder.encode(WIDE_USER, StandardCharsets.UTF_8);
        String right = URLEncoder.encode(WIDE_PASSWORD, StandardCharsets.UTF_8);
        String wrong = URLEncoder.encode(WIDE_PASSWORD.replace('密', '秘'), StandardCharsets.UTF_8);
        Netns.Result socks = curl(lan, "-x", "socks5h://" + user + ":" + right + "@" + HOST + ":7890");
        assertEquals("200", socks.stdout(), () -> socks.stderr() + log());
        assertEquals("200", curl(lan, "-x", "http://" + user + ":" + right + "@" + HOST + ":7890").stdout(), this::log);
        assertNotEquals(0, curl(lan, "-x", "socks5h://" + user + ":" + wrong + "@" + HOST + ":7890").exitCode(),
                "a password that differs in one character");
        assertEquals("403", curl(lan, "-x", "http://" + user + ":" + wrong + "@" + HOST + ":7890").stdout());
    }

    @Test
    void socks4ClientsOnTheLanAreRefusedSinceTheyCannotSayAPassword() throws Exception {
        // SOCKS4 sends a user id and no password: only a user whose password is empty could be let in, and there
        // is none here; a client naming a real user is refused as well.
        for (String user : new String[] {"", USER, "bob"}) {
            Netns.Result r = curl(lan, "-x", "socks4a://" + (user.isEmpty() ? "" : user + "@") + HOST + ":7890");
            assertNotEquals(0, r.exitCode(), "SOCKS4 as '" + user + "'");
            assertTrue(r.stderr().contains("rejected") || r.stderr().contains("(97)"), r.stderr());
        }
    }

    /**
     * With no skip-auth-prefixes this machine's own clients are asked too, as mihomo asks them (it has no default
     * there): on a machine with several users, every local account would otherwise use the proxy without the password.
     */
    @Test
    void thisMachinesOwnClientsAreAskedAsInMihomo() throws Exception {
        assertEquals("407", curl(host, "-x", "http://127.0.0.1:7890").stdout(), this::log);
        assertNotEquals(0, curl(host, "-x", "socks5h://127.0.0.1:7890").exitCode(), "SOCKS5 without a login");
        assertNotEquals(0, curl(host, "-x", "socks4a://127.0.0.1:7890").exitCode(), "SOCKS4 says no password");
        assertEquals("200", curl(host, "-x", "http://127.0.0.1:7890", "--proxy-user", USER + ":" + PASSWORD).stdout(),
                this::log);
        assertTrue(log().contains("asking for a user and password (3 users) of every client"), this::log);
    }

    /**
     * A LAN client, even one with a login, may not reach this machine's loopback through the proxy: the controller
     * there has no secret (the README keeps such a one off other machines) and other services trust loopback too.
     * Before, an HTTP or SOCKS5 request for 127.0.0.1:9090 read and changed the config from the LAN. Programs of this
     * machine still may, by whichever of its addresses they reach the proxy.
     */
    @Test
    void aLanClientMayNotReachThisMachinesLoopbackThroughTheProxy() throws Exception {
        host.awaitTcpPort(9090, Duration.ofSeconds(20));
        String login = USER + ":" + PASSWORD.replace(":", "%3A") + "@";
        for (String target : List.of("http://127.0.0.1:9090/configs", "http://localhost:9090/configs",
                "http://0.0.0.0:9090/configs")) {
            for (String proxy : List.of("http://" + login + HOST + ":7890", "socks5h://" + login + HOST + ":7890",
                    "socks5://" + login + HOST + ":7890")) {
                Netns.Result r = lan.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "10", "-o", "/dev/null",
                        "-w", "%{http_code}", "-x", proxy, target);
                assertTrue(r.stdout().equals("502") || r.exitCode() != 0 && r.stdout().equals("000"),
                        () -> proxy + " " + target + ": " + r.stdout() + " " + r.stderr() + log());
            }
        }
        assertTrue(log().contains("is this machine's loopback, which a client of another machine (" + LAN
                + ") may not reach"), this::log);
        Netns.Result own = host.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "10", "-o", "/dev/null",
                "-w", "%{http_code}", "-x", "http://" + login + HOST + ":7890", "http://127.0.0.1:9090/configs");
        assertEquals("200", own.stdout(), () -> "a program of this machine by its LAN address: " + own.stderr() + log());
    }

    @Test
    void theControllerNamesTheUsersAndNeverThePasswords() throws Exception {
        host.awaitTcpPort(9090, Duration.ofSeconds(20));
        Netns.Result r = host.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "10",
                "http://127.0.0.1:9090/configs");
        assertEquals(0, r.exitCode(), r.stderr());
        assertTrue(r.stdout().contains("\"authentication\":[\"bob:******\",\"alice:******\",\"" + WIDE_USER + ":******\"]"),
                r.stdout());
        assertTrue(!r.stdout().contains("s3cret") && !r.stdout().contains("other") && !r.stdout().contains(WIDE_PASSWORD),
                r.stdout());
    }

    /**
     * mihomo's {@code PATCH /configs} keys for whom the ports serve and ask (GUI clients' "LAN allowed IPs" fields):
     * each list replaces the running one at once, for the next connection; an empty allowed list serves no LAN
     * client, as in mihomo. Put back as the config has it at the end, whatever failed.
     */
    @Test
    void aDashboardChangesWhichLanClientsAreServedAndWhichAreAsked() throws Exception {
        host.awaitTcpPort(9090, Duration.ofSeconds(20));
        Api api = new Api(host, 9090, null);
        String proxy = "http://" + HOST + ":7890";
        Map<String, Object> before = api.get("/configs").object();
        assertEquals(List.of("192.0.2.0/24"), before.get("lan-allowed-ips"), before::toString);
        assertEquals(List.of(GUEST + "/32"), before.get("lan-disallowed-ips"));
        assertTrue(before.containsKey("skip-auth-prefixes") && before.get("skip-auth-prefixes") == null,
                "none unless written: null, as mihomo's /configs shows it: " + before);
        try {
            Api.Response lanAsksNot = api.call("PATCH", "/configs", "{\"skip-auth-prefixes\":[\"" + LAN + "\"]}");
            assertEquals(204, lanAsksNot.status(), lanAsksNot.toString());
            assertEquals(List.of(LAN + "/32"), api.get("/configs").object().get("skip-auth-prefixes"));
            assertEquals("200", curl(lan, "--interface", LAN, "-x", proxy).stdout(), () -> "not asked now: " + log());
            assertEquals("407", curl(host, "-x", "http://127.0.0.1:7890").stdout(), "this machine is asked");

            Api.Response shut = api.call("PATCH", "/configs", "{\"lan-allowed-ips\":[]}");
            assertEquals(204, shut.status(), shut.toString());
            Netns.Result refused = curl(lan, "--interface", LAN, "-x", proxy, "--proxy-user", USER + ":" + PASSWORD);
            assertNotEquals(0, refused.exitCode(), () -> "an empty allowed list served " + LAN + ": " + refused.stdout());
            assertTrue(log().contains("no LAN client served (lan-allowed-ips is empty)"), this::log);

            Api.Response bad = api.call("PATCH", "/configs", "{\"lan-allowed-ips\":[\"192.0.2.0/24\",\"lan\"]}");
            assertEquals(400, bad.status(), bad.toString());
            assertTrue(bad.body().contains("lan-allowed-ips: \\\"lan\\\" is not a prefix"), bad.body());
            assertEquals(List.of(), api.get("/configs").object().get("lan-allowed-ips"), "a refused PATCH changes nothing");
        } finally {
            Api.Response back = api.call("PATCH", "/configs", "{\"lan-allowed-ips\":[\"192.0.2.0/24\"],"
                    + "\"lan-disallowed-ips\":[\"" + GUEST + "/32\"],\"skip-auth-prefixes\":[]}");
            assertEquals(204, back.status(), back.toString());
        }
        assertEquals("200", curl(lan, "--interface", LAN, "-x", proxy, "--proxy-user", USER + ":" + PASSWORD).stdout(),
                this::log);
        assertEquals("407", curl(lan, "--interface", LAN, "-x", proxy).stdout(), "asked again");
    }

    @Test
    void aClientLanDisallowedIpsNamesIsNotServedEvenWithThePassword() throws Exception {
        String proxy = "http://" + HOST + ":7890";
        Netns.Result guest = curl(lan, "--interface", GUEST, "-x", proxy, "--proxy-user", USER + ":" + PASSWORD);
        assertNotEquals(0, guest.exitCode(), () -> "served from " + GUEST + ": " + guest.stdout());
        Netns.Result socks = curl(lan, "--interface", GUEST, "-x", "socks5h://" + USER + ":"
                + PASSWORD.replace(":", "%3A") + "@" + HOST + ":7890");
        assertNotEquals(0, socks.exitCode(), "SOCKS5 from " + GUEST);
        assertEquals("200", curl(lan, "--interface", LAN, "-x", proxy, "--proxy-user", USER + ":" + PASSWORD).stdout(),
                "the same namespace's other address is served");
        assertEquals("200", curl(host, "-x", "http://127.0.0.1:7890", "--proxy-user", USER + ":" + PASSWORD).stdout(),
                "this machine, outside the allowed list");
    }
}
