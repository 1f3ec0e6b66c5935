package dev.turnout.plugins.shadowsocks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class StreamMethodTest {

    private static final HexFormat HEX = HexFormat.of();

    @Test
    void aesCfbGivesNistsVectorFedAByteAtATime() {
        // SP 800-38A F.3.13, CFB128-AES128.Encrypt, first block
        byte[] key = HEX.parseHex("2b7e151628aed2a6abf7158809cf4f3c");
        byte[] iv = HEX.parseHex("000102030405060708090a0b0c0d0e0f");
        byte[] plain = HEX.parseHex("6bc1bee22e409f96e93d7e117393172a");
        StreamMethod.Crypter cfb = StreamMethod.AES_128_CFB.crypter(key, iv, true);
        byte[] out = new byte[16];
        for (int i = 0; i < plain.length; i++) {
            cfb.process(plain, i, 1, out, i);
        }
        assertEquals("3b3fd92eb72dad20333449f8e83cfb4a", HEX.formatHex(out));
    }

    @ParameterizedTest
    @EnumSource(StreamMethod.class)
    void whatIsEncryptedInPiecesDecryptsInOtherPieces(StreamMethod method) {
        Random random = new Random(method.ordinal());
        byte[] key = new byte[method.keySize()];
        byte[] iv = new byte[method.ivSize()];
        byte[] plain = new byte[100_000];
        random.nextBytes(key);
        random.nextBytes(iv);
        random.nextBytes(plain);
        byte[] whole = new byte[plain.length];
        method.crypter(key, iv, true).process(plain, 0, plain.length, whole, 0);
        byte[] pieces = new byte[plain.length];
        StreamMethod.Crypter encrypt = method.crypter(key, iv, true);
        for (int at = 0, n = 1; at < plain.length; at += n, n = n * 3 % 1_499 + 1) {
            n = Math.min(n, plain.length - at);
            encrypt.process(plain, at, n, pieces, at);
        }
        assertArrayEquals(whole, pieces, "a stream cipher's output does not depend on how its input is cut");
        byte[] back = new byte[plain.length];
        StreamMethod.Crypter decrypt = method.crypter(key, iv, false);
        for (int at = 0, n = 7; at < plain.length; at += n, n = n * 5 % 4_093 + 1) {
            n = Math.min(n, plain.length - at);
            decrypt.process(whole, at, n, back, at);
        }
        assertArrayEquals(plain, back);
    }
}
