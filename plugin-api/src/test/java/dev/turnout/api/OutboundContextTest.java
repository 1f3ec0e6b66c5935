package dev.turnout.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a plugin gets from a host that implements only what the first plugin API had. */
class OutboundContextTest {

    @TempDir
    Path dir;

    private static OutboundContext olderHost(Optional<Path> home) {
        return new OutboundContext() {
            @Override
            public Dialer dialer() {
                throw new UnsupportedOperationException();
            }

            @Override
            public Resolver resolver() {
                throw new UnsupportedOperationException();
            }

            @Override
            public Future<Channel> tls(Channel channel, TlsOptions options) {
                throw new UnsupportedOperationException();
            }

            @Override
            public Future<Channel> webSocket(Channel channel, WebSocketOptions options, String host) {
                throw new UnsupportedOperationException();
            }

            @Override
            public Optional<Path> homeFolder() {
                return home;
            }
        };
    }

    @Test
    void aFileIsReadByItsAbsolutePathOrFromTheHomeFolder() throws Exception {
        Path key = Files.write(dir.resolve("id"), new byte[] {1, 2, 3});
        assertArrayEquals(new byte[] {1, 2, 3}, olderHost(Optional.empty()).readFile(key.toString()));
        assertArrayEquals(new byte[] {1, 2, 3}, olderHost(Optional.of(dir)).readFile("id"));
    }

    @Test
    void aRelativePathWithoutAHomeFolderIsRefusedWithTheReason() {
        FileSystemException e = assertThrows(FileSystemException.class, () -> olderHost(Optional.empty()).readFile("id"));
        assertTrue(e.getMessage().contains("a relative path, and this host gives no home folder"), e.getMessage());
    }
}
