package dev.turnout.plugins.shadowsocks;

import io.netty.channel.ChannelHandler;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A cipher an {@code ss} entry names: one of SIP004's AEAD ciphers, or one of the stream ciphers from before them.
 * Each makes the codecs of its own framing, so the outbound builds a flow the same way whichever it is.
 */
sealed interface ShadowsocksCipher permits AeadMethod, StreamMethod {

    /** The name a config writes in {@code cipher:}. */
    String cipherName();

    /** Bytes of the master key the password is stretched to. */
    int keySize();

    /** Turns what the server sends on a stream back into the destination's bytes; {@code label} names the outbound. */
    ChannelHandler decoder(byte[] masterKey, String label);

    /** Turns what the application sends into what the server reads on a stream. */
    ChannelHandler encoder(byte[] masterKey);

    /** Seals and opens the datagrams of one UDP session, on its event loop. */
    DatagramCodec datagramCodec(byte[] masterKey);

    /** The cipher named as in a config's {@code cipher:}, case aside. */
    static Optional<ShadowsocksCipher> named(String name) {
        String written = name.trim().toLowerCase(Locale.ROOT);
        String n = fromGoShadowsocks2(written);
        return all().filter(c -> c.cipherName().equals(n)).findFirst();
    }

    /**
     * go-shadowsocks2's names, which Clash and Clash Premium take (their configs write {@code AEAD_CHACHA20_POLY1305}),
     * as the same ciphers' names here.
     */
    private static String fromGoShadowsocks2(String written) {
        return switch (written) {
            case "aead_aes_128_gcm" -> "aes-128-gcm";
            case "aead_aes_192_gcm" -> "aes-192-gcm";
            case "aead_aes_256_gcm" -> "aes-256-gcm";
            case "aead_chacha20_poly1305" -> "chacha20-ietf-poly1305";
            case "aead_xchacha20_poly1305" -> "xchacha20-ietf-poly1305";
            default -> written;
        };
    }

    /** The names a config may use, for an error message. */
    static String supportedNames() {
        return all().map(ShadowsocksCipher::cipherName).collect(Collectors.joining(", "));
    }

    private static Stream<ShadowsocksCipher> all() {
        return Stream.concat(Stream.of(AeadMethod.values()), Stream.of(StreamMethod.values()));
    }
}
