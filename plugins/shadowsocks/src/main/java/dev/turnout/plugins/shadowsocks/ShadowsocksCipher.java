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
        String n = name.trim().toLowerCase(Locale.ROOT);
        return all().filter(c -> c.cipherName().equals(n)).findFirst();
    }

    /** The names a config may use, for an error message. */
    static String supportedNames() {
        return all().map(ShadowsocksCipher::cipherName).collect(Collectors.joining(", "));
    }

    private static Stream<ShadowsocksCipher> all() {
        return Stream.concat(Stream.of(AeadMethod.values()), Stream.of(StreamMethod.values()));
    }
}
