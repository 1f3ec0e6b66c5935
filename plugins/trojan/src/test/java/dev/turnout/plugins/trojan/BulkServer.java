package dev.turnout.plugins.trojan;

import dev.turnout.api.testing.LocalTcpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;

/**
 * The far end of a bulk transfer on 127.0.0.1. A client sends one line: {@code DOWN n} makes it send n bytes
 * of {@link #pattern} and close; {@code UP n} makes it read n bytes and answer with their SHA-256 in hex and a
 * newline. Whole-or-not is then a comparison of two digests.
 */
final class BulkServer {

    static final int CHUNK = 64 * 1024;

    private BulkServer() {
    }

    static LocalTcpServer start() throws IOException {
        return LocalTcpServer.serving(s -> {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            String[] command = readLine(in).split(" ");
            long n = Long.parseLong(command[1]);
            if (command[0].equals("DOWN")) {
                Random pattern = new Random(n);
                byte[] chunk = new byte[CHUNK];
                for (long sent = 0; sent < n; sent += CHUNK) {
                    pattern.nextBytes(chunk);
                    out.write(chunk, 0, (int) Math.min(CHUNK, n - sent));
                }
                out.flush();
                return;
            }
            MessageDigest digest = sha256();
            byte[] buf = new byte[CHUNK];
            long left = n;
            for (int r; left > 0 && (r = in.read(buf, 0, (int) Math.min(buf.length, left))) >= 0; left -= r) {
                digest.update(buf, 0, r);
            }
            out.write((HexFormat.of().formatHex(digest.digest()) + "\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            in.read();
        });
    }

    /** SHA-256 (hex) of the n bytes {@code DOWN n} sends, and of what a client sends for {@code UP n}. */
    static String patternDigest(long n) {
        MessageDigest digest = sha256();
        Random pattern = new Random(n);
        byte[] chunk = new byte[CHUNK];
        for (long done = 0; done < n; done += CHUNK) {
            pattern.nextBytes(chunk);
            digest.update(chunk, 0, (int) Math.min(CHUNK, n - done));
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** The {@code i}-th chunk of the pattern for n bytes, as a client uploads it (chunks in order). */
    static Random pattern(long n) {
        return new Random(n);
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) >= 0 && b != '\n'; ) {
            if (line.size() > 64) {
                throw new IOException("command line too long");
            }
            line.write(b);
        }
        return line.toString(StandardCharsets.US_ASCII);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
