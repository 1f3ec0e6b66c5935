package dev.turnout.plugins.vmess;

import dev.turnout.api.OptionException;
import dev.turnout.api.UnsupportedOptionException;
import java.util.Locale;

/** How VMess body chunks are sealed ({@code cipher}), with the numbers v2ray's request header carries. */
enum VmessSecurity {
    AES_128_GCM(3, 16),
    CHACHA20_POLY1305(4, 16),
    NONE(5, 0);

    final byte wire;
    /** Bytes a sealed chunk has beyond its payload: the AEAD tag. */
    final int overhead;

    VmessSecurity(int wire, int overhead) {
        this.wire = (byte) wire;
        this.overhead = overhead;
    }

    /**
     * Reads {@code cipher}. {@code auto} is chosen as Clash and v2ray choose it: AES-128-GCM where the CPU has
     * AES instructions (assumed on x86_64, arm64 and s390x, whose JVMs use them), ChaCha20-Poly1305 elsewhere.
     */
    static VmessSecurity from(String cipher, String arch) throws OptionException {
        return switch (cipher.trim().toLowerCase(Locale.ROOT)) {
            case "auto", "" -> hasAesInstructions(arch) ? AES_128_GCM : CHACHA20_POLY1305;
            case "aes-128-gcm" -> AES_128_GCM;
            case "chacha20-poly1305" -> CHACHA20_POLY1305;
            case "none" -> NONE;
            case "zero" -> throw new UnsupportedOptionException("cipher", "'cipher: zero' is not implemented (it turns"
                    + " off chunking; none is the nearest)");
            default -> throw new OptionException("cipher", "'cipher' must be auto, aes-128-gcm, chacha20-poly1305 or"
                    + " none, got " + cipher);
        };
    }

    private static boolean hasAesInstructions(String arch) {
        return switch (arch) {
            case "amd64", "x86_64", "aarch64", "arm64", "s390x" -> true;
            default -> false;
        };
    }
}
