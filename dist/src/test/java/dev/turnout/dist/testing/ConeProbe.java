package dev.turnout.dist.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The parts of a NAT's behaviour test (RFC 4787's mapping and filtering, seen by an application): peers in a
 * server namespace that say where each datagram came from, and applications of one UDP socket that write to them,
 * directly or through a SOCKS5 UDP association, printing what they hear. Python 3, written to the test's folder.
 */
public final class ConeProbe {

    private ConeProbe() {
    }

    /**
     * Starts {@link #PEERS_PY} in {@code ns} on {@code bindings} ({@code address:port}, the stranger last), its
     * script and log in {@code dir}, and waits (at most 20 s) until it listens.
     */
    public static void startPeers(Netns ns, Path dir, String... bindings) throws IOException, InterruptedException {
        Path log = dir.resolve("peers.log");
        List<String> command = new ArrayList<>(List.of("python3",
                Files.writeString(dir.resolve("peers.py"), PEERS_PY).toString()));
        command.addAll(List.of(bindings));
        ns.spawn(log, command.toArray(String[]::new));
        for (int i = 0; i < 200 && !listening(log); i++) {
            Thread.sleep(100);
        }
        assertTrue(listening(log), () -> "the peers do not listen: " + read(log));
    }

    private static boolean listening(Path log) {
        return read(log).contains("listening");
    }

    private static String read(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** The application's lines: {@code KEY <from address:port> <text>}. */
    public record Replies(String out) {
        public Matcher line(String key) {
            Matcher m = Pattern.compile("^" + key + " (\\S+) (.*)$", Pattern.MULTILINE).matcher(out);
            assertTrue(m.find(), key + " in:\n" + out);
            return m;
        }

        public String from(String key) {
            return line(key).group(1);
        }

        public String text(String key) {
            return line(key).group(2);
        }

        /** The port the peer saw the datagram come from ({@code seen ADDRESS:PORT}). */
        public String port(String key) {
            Matcher m = Pattern.compile("seen \\S+:(\\d+)").matcher(text(key));
            assertTrue(m.find(), key + ": " + text(key));
            return m.group(1);
        }
    }

    /**
     * The peers: each address:port given answers {@code seen ADDRESS:PORT} (where the datagram came from); a
     * {@code poke} makes the last one (the stranger) write to the poker's address first.
     */
    public static final String PEERS_PY = String.join("\n",
            "import select, socket, sys",
            "socks = []",
            "for spec in sys.argv[1:]:",
            "    a, p = spec.rsplit(':', 1)",
            "    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
            "    s.bind((a, int(p)))",
            "    socks.append(s)",
            "print('listening', flush=True)",
            "stranger = socks[-1]",
            "for _ in range(100000):",
            "    ready, _, _ = select.select(socks, [], [], 600)",
            "    if not ready:",
            "        break",
            "    for s in ready:",
            "        data, addr = s.recvfrom(2048)",
            "        if data == b'poke':",
            "            stranger.sendto(b'hello from a stranger', addr)",
            "        else:",
            "            s.sendto(('seen %s:%d' % addr).encode(), addr)",
            "");

    /**
     * The application: one UDP socket writes to peer A by address, to a name's (fake) address, pokes A so that
     * the stranger writes first, then answers the stranger. Prints {@code KEY from text} for each reply, and its
     * socket's address ({@code LOCAL address:port socket}). Arguments:
     * port, name, A's address, the stranger's address, and optionally a port of A's the rules refuse, written to
     * first ({@code REFUSED}, asked once).
     */
    public static final String APP_PY = String.join("\n",
            "import socket, sys",
            "port, name, a, stranger = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]",
            "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
            "def drain():",
            "    s.settimeout(0.3)",
            "    try:",
            "        while True:",
            "            s.recvfrom(2048)",
            "    except socket.timeout:",
            "        pass",
            "def ask(key, msg, to, tries=5):",
            "    drain()",
            "    s.settimeout(2)",
            "    for _ in range(tries):",
            "        s.sendto(msg, to)",
            "        try:",
            "            data, src = s.recvfrom(2048)",
            "            print('%s %s:%d %s' % (key, src[0], src[1], data.decode()), flush=True)",
            "            return",
            "        except socket.timeout:",
            "            pass",
            "    print('%s none nothing' % key, flush=True)",
            "if len(sys.argv) > 5:",
            "    ask('REFUSED', b'hi', (a, int(sys.argv[5])), 1)",
            "ask('A', b'hi', (a, port))",
            "print('LOCAL %s:%d socket' % s.getsockname(), flush=True)",
            "ask('NAME', b'hi', (socket.gethostbyname(name), port))",
            "if port == 4000:",
            "    ask('POKE', b'poke', (a, port))",
            "    ask('STRANGER', b'hi', (stranger, 5000))",
            "");

    /**
     * The same through the mixed port's UDP ASSOCIATE (RFC 1928): by address, by name (the name itself in the
     * request), and the stranger's datagram, each printed with the address the reply's header names. Arguments:
     * the mixed port, A's address, the name, the stranger's address, and optionally a refused port as above.
     */
    public static final String SOCKS_APP_PY = String.join("\n",
            "import socket, struct, sys",
            "mixed, a, name, stranger = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]",
            "c = socket.create_connection(('127.0.0.1', mixed), timeout=5)",
            "c.sendall(b'\\x05\\x01\\x00')",
            "assert c.recv(2) == b'\\x05\\x00'",
            "c.sendall(b'\\x05\\x03\\x00\\x01' + bytes(6))",
            "r = c.recv(10)",
            "assert r[1] == 0, r",
            "relay = (socket.inet_ntoa(r[4:8]), struct.unpack('>H', r[8:10])[0])",
            "u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
            "u.bind(('127.0.0.1', 0))",
            "def wrap(host, port):",
            "    try:",
            "        return b'\\x00\\x00\\x00\\x01' + socket.inet_aton(host) + struct.pack('>H', port)",
            "    except OSError:",
            "        return b'\\x00\\x00\\x00\\x03' + bytes([len(host)]) + host.encode() + struct.pack('>H', port)",
            "def drain():",
            "    u.settimeout(0.3)",
            "    try:",
            "        while True:",
            "            u.recvfrom(2048)",
            "    except socket.timeout:",
            "        pass",
            "def ask(key, msg, host, port, tries=5):",
            "    drain()",
            "    u.settimeout(2)",
            "    for _ in range(tries):",
            "        u.sendto(wrap(host, port) + msg, relay)",
            "        try:",
            "            d, _ = u.recvfrom(2048)",
            "        except socket.timeout:",
            "            continue",
            "        if d[3] != 1:",
            "            print('%s atyp%d %s' % (key, d[3], d), flush=True)",
            "            return",
            "        src = (socket.inet_ntoa(d[4:8]), struct.unpack('>H', d[8:10])[0])",
            "        print('%s %s:%d %s' % (key, src[0], src[1], d[10:].decode()), flush=True)",
            "        return",
            "    print('%s none nothing' % key, flush=True)",
            "if len(sys.argv) > 5:",
            "    ask('REFUSED', b'hi', a, int(sys.argv[5]), 1)",
            "ask('A', b'hi', a, 4000)",
            "ask('NAME', b'hi', name, 4000)",
            "ask('POKE', b'poke', a, 4000)",
            "");
}
