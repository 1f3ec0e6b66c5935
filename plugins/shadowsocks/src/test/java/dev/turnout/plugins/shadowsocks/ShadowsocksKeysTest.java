package dev.turnout.plugins.shadowsocks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The key derivations against vectors computed elsewhere (python3's hashlib, RFC 5869). */
class ShadowsocksKeysTest {

    private static final HexFormat HEX = HexFormat.of();

    @Test
    void masterKeyIsEvpBytesToKeyWithMd5() {
        // python3: d=b'';k=b''; while len(k)<32: d=md5(d+b'turnout-test').digest(); k+=d
        assertEquals("b17bd9064736584c54f362916371d59e", HEX.formatHex(ShadowsocksKeys.masterKey("turnout-test", 16)));
        assertEquals("b17bd9064736584c54f362916371d59e40d05666f2fcf35905fbd4e546093b4c",
                HEX.formatHex(ShadowsocksKeys.masterKey("turnout-test", 32)));
    }

    @Test
    void hkdfSha1MatchesRfc5869TestCase4() {
        byte[] ikm = HEX.parseHex("0b0b0b0b0b0b0b0b0b0b0b");
        byte[] salt = HEX.parseHex("000102030405060708090a0b0c");
        byte[] info = HEX.parseHex("f0f1f2f3f4f5f6f7f8f9");
        assertEquals("085a01ea1b10f36933068b56efa5ad81a4f14b822f5b091568a9cdd4f155fda2c22e422478d305f3f896",
                HEX.formatHex(ShadowsocksKeys.hkdfSha1(ikm, salt, 0, salt.length, info, 42)));
    }
}
