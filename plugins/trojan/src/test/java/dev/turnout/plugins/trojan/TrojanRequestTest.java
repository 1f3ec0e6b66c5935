package dev.turnout.plugins.trojan;

import static dev.turnout.api.testing.TestOptions.WARNINGS_IGNORED;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.turnout.api.Destination;
import dev.turnout.api.testing.TestOptions;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The request's bytes, against values worked out independently (python3's hashlib for SHA-224). */
class TrojanRequestTest {

    /** hashlib.sha224(b'correct horse battery staple').hexdigest() */
    private static final String KEY = "636f080709f287ec5c5ea79442fc4bb914924cd5c6ca8ff84e3410c4";

    private static byte[] request(String password, byte command, Destination target) throws Exception {
        byte[] key = TrojanOptions.from(TestOptions.of("trojan", "server", "t.test", "port", 443, "password", password), WARNINGS_IGNORED).key();
        ByteBuf buf = TrojanRequest.encode(key, command, target, UnpooledByteBufAllocator.DEFAULT);
        try {
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    private static byte[] expected(String key, int... rest) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(key.getBytes(StandardCharsets.US_ASCII));
        out.write('\r');
        out.write('\n');
        for (int b : rest) {
            out.write(b);
        }
        out.write('\r');
        out.write('\n');
        return out.toByteArray();
    }

    @Test
    void connectByNameSendsTheName() throws Exception {
        assertArrayEquals(expected(KEY, 1, 3, 11, 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'o', 'r', 'g', 0x01, 0xbb),
                request("correct horse battery staple", TrojanRequest.CONNECT, Destination.ofHost("example.org", 443)));
    }

    @Test
    void anAddressGoesAsAnAddressAndANameThatIsALiteralAsWell() throws Exception {
        byte[] byAddress = expected(KEY, 3, 1, 192, 0, 2, 7, 0, 53);
        assertArrayEquals(byAddress, request("correct horse battery staple", TrojanRequest.UDP_ASSOCIATE,
                Destination.ofAddress(InetAddress.getByName("192.0.2.7"), 53)));
        assertArrayEquals(byAddress, request("correct horse battery staple", TrojanRequest.UDP_ASSOCIATE,
                Destination.ofHost("192.0.2.7", 53)));
        assertArrayEquals(expected(KEY, 1, 4, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 80),
                request("correct horse battery staple", TrojanRequest.CONNECT,
                        Destination.ofAddress(InetAddress.getByName("2001:db8::1"), 80)));
    }

    @Test
    void theKeyIsTheHexOfSha224OfThePasswordInUtf8() throws Exception {
        // hashlib.sha224('pässword'.encode()).hexdigest()
        String key = "67c1cc6da21aa0ad60de9d6f52645d715a01a1c4ef4e73ee0b14d8f7";
        assertArrayEquals(expected(key, 1, 3, 1, 'a', 0, 80),
                request("pässword", TrojanRequest.CONNECT, Destination.ofHost("a", 80)));
    }

    @Test
    void aNameLongerThanTheAddressFieldAllowsIsRefused() {
        assertThrows(IOException.class, () -> request("p", TrojanRequest.CONNECT, Destination.ofHost("a".repeat(256), 80)));
    }
}
