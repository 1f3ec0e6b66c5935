package dev.turnout.plugins.shadowsocks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** XChaCha20 against draft-irtf-cfrg-xchacha-03's own vectors. */
class XChaCha20Test {

    private static final HexFormat HEX = HexFormat.of();

    @Test
    void hChaCha20GivesTheDraftsSubkey() {
        // §2.2.1
        byte[] key = HEX.parseHex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
        byte[] nonce = Arrays.copyOf(HEX.parseHex("000000090000004a0000000031415927"), 24);
        assertEquals("82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc",
                HEX.formatHex(XChaCha20.subkey(key, nonce)));
    }

    @Test
    void sealingWithTheSubkeyAndInnerNonceGivesTheDraftsCiphertextAndTag() throws Exception {
        // §A.3.1
        byte[] key = HEX.parseHex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
        byte[] nonce = HEX.parseHex("404142434445464748494a4b4c4d4e4f5051525354555657");
        byte[] plaintext = ("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the "
                + "future, sunscreen would be it.").getBytes(StandardCharsets.US_ASCII);
        Cipher cipher = Cipher.getInstance("ChaCha20-Poly1305");
        cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(XChaCha20.subkey(key, nonce), "ChaCha20"),
                new IvParameterSpec(XChaCha20.innerNonce(nonce)));
        cipher.updateAAD(HEX.parseHex("50515253c0c1c2c3c4c5c6c7"));
        byte[] sealed = cipher.doFinal(plaintext);
        assertEquals("bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb",
                HEX.formatHex(sealed, 0, 32));
        assertEquals("c0875924c1c7987947deafd8780acf49", HEX.formatHex(sealed, sealed.length - 16, sealed.length));
    }

    @Test
    void aShadowsocksChunkOpensWithTheNextNonceOnly() throws Exception {
        byte[] subkey = new byte[32];
        Arrays.fill(subkey, (byte) 7);
        AeadCipher sealer = AeadCipher.sealing(AeadMethod.XCHACHA20_IETF_POLY1305);
        AeadCipher opener = AeadCipher.opening(AeadMethod.XCHACHA20_IETF_POLY1305);
        sealer.rekey(subkey);
        opener.rekey(subkey);
        byte[] first = new byte[3 + 16];
        byte[] second = new byte[3 + 16];
        sealer.seal("one".getBytes(StandardCharsets.US_ASCII), 0, 3, first, 0);
        sealer.seal("two".getBytes(StandardCharsets.US_ASCII), 0, 3, second, 0);
        byte[] out = new byte[3];
        opener.open(first, 0, first.length, out, 0);
        assertArrayEquals("one".getBytes(StandardCharsets.US_ASCII), out);
        opener.open(second, 0, second.length, out, 0);
        assertArrayEquals("two".getBytes(StandardCharsets.US_ASCII), out);
    }
}
