package dev.turnout.plugins.shadowsocks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.api.Outbound;
import dev.turnout.api.testing.LocalTcpServer;
import dev.turnout.api.testing.OneEventLoop;
import dev.turnout.api.testing.PlainDialer;
import dev.turnout.api.testing.TestContext;
import dev.turnout.api.testing.TestOptions;
import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Servers that answer with what no Shadowsocks server may send: each ends the flow with an exception (the relay
 * resets both sides for it) and a closed channel, and nothing that failed authentication reaches the application.
 */
class ShadowsocksHostileServerTest {

    @RegisterExtension
    static final OneEventLoop loop = new OneEventLoop();

    private static final AeadMethod METHOD = AeadMethod.AES_128_GCM;
    private static final String PASSWORD = "hostile";

    /** The server's side of a reply: salt, then chunks sealed with the right key, then whatever the test adds. */
    private static final class Reply {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final AeadCipher cipher = AeadCipher.sealing(METHOD);

        Reply() {
            byte[] salt = new byte[METHOD.saltSize()];
            new Random(7).nextBytes(salt);
            bytes.writeBytes(salt);
            cipher.rekey(ShadowsocksKeys.subkey(ShadowsocksKeys.masterKey(PASSWORD, METHOD.keySize()), salt, 0, salt.length));
        }

        Reply sealed(byte[] plain) throws Exception {
            byte[] out = new byte[plain.length + AeadMethod.TAG_SIZE];
            cipher.seal(plain, 0, plain.length, out, 0);
            bytes.writeBytes(out);
            return this;
        }

        Reply chunk(String text) throws Exception {
            byte[] payload = text.getBytes();
            return sealed(new byte[] {(byte) (payload.length >>> 8), (byte) payload.length}).sealed(payload);
        }

        byte[] bytes() {
            return bytes.toByteArray();
        }
    }

    /** Reads the client's first bytes, answers with {@code answer}, then closes. */
    private static LocalTcpServer answering(byte[] answer) throws Exception {
        return LocalTcpServer.serving((Socket s) -> {
            s.getInputStream().read(new byte[256]);
            OutputStream out = s.getOutputStream();
            out.write(answer);
            out.flush();
            s.shutdownOutput();
            s.getInputStream().transferTo(OutputStream.nullOutputStream());
        });
    }

    private record Outcome(String delivered, Throwable failure) {
    }

    private static Outcome run(byte[] answer) throws Exception {
        try (LocalTcpServer server = answering(answer)) {
            Outbound out = new ShadowsocksType().create(TestOptions.loopbackServer("hostile", "ss", server.port(),
                    Map.of("cipher", METHOD.cipherName(), "password", PASSWORD)), new TestContext(new PlainDialer()));
            Future<Channel> opened = out.openStream(Metadata.internal(Network.TCP,
                    Destination.ofAddress(InetAddress.getLoopbackAddress(), 80)), loop.get()).await();
            assertTrue(opened.isSuccess(), () -> "open failed: " + opened.cause());
            Channel channel = opened.getNow();
            StreamEnd end = StreamEnd.attach(channel);
            assertTrue(end.closedWithin(5000), "the flow must end");
            return new Outcome(end.delivered(), end.failure.get(1, TimeUnit.SECONDS));
        }
    }

    @Test
    void garbageFailsAuthenticationAndEndsTheFlow() throws Exception {
        byte[] garbage = new byte[200];
        new Random(1).nextBytes(garbage);
        Outcome o = run(garbage);
        assertEquals("", o.delivered());
        ShadowsocksProtocolException e = assertInstanceOf(ShadowsocksProtocolException.class, o.failure());
        assertTrue(e.getMessage().contains("fails authentication") && e.getMessage().contains("wrong password or cipher"),
                e.getMessage());
    }

    @Test
    void aLengthOverTheLimitEndsTheFlow() throws Exception {
        Outcome o = run(new Reply().chunk("fine").sealed(new byte[] {0x40, 0x00}).bytes());
        assertEquals("fine", o.delivered());
        ShadowsocksProtocolException e = assertInstanceOf(ShadowsocksProtocolException.class, o.failure());
        assertTrue(e.getMessage().contains("chunk length of 0x4000"), e.getMessage());
    }

    @Test
    void aStreamCutInsideAChunkEndsTheFlowWithAnError() throws Exception {
        byte[] whole = new Reply().chunk("first").chunk("second, cut short").bytes();
        byte[] cut = java.util.Arrays.copyOf(whole, whole.length - 5);
        Outcome o = run(cut);
        assertEquals("first", o.delivered());
        ShadowsocksProtocolException e = assertInstanceOf(ShadowsocksProtocolException.class, o.failure());
        assertTrue(e.getMessage().contains("inside a chunk"), e.getMessage());
    }

    @Test
    void aStreamCutInsideTheSaltEndsTheFlowWithAnError() throws Exception {
        Outcome o = run(new byte[5]);
        ShadowsocksProtocolException e = assertInstanceOf(ShadowsocksProtocolException.class, o.failure());
        assertTrue(e.getMessage().contains("inside its salt"), e.getMessage());
    }

    @Test
    void aTamperedChunkAfterGoodOnesEndsTheFlow() throws Exception {
        byte[] reply = new Reply().chunk("good").chunk("tampered").bytes();
        reply[reply.length - 3] ^= 1;
        Outcome o = run(reply);
        assertEquals("good", o.delivered());
        assertInstanceOf(ShadowsocksProtocolException.class, o.failure());
    }
}
