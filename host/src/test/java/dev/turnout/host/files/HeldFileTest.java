package dev.turnout.host.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HeldFileTest {

    @TempDir
    Path dir;

    @Test
    void heldOnceAndRemovedAsItIsLetGo() throws IOException {
        Path file = dir.resolve("x.lock");
        Optional<HeldFile> held = HeldFile.tryHold(file);
        assertTrue(held.isPresent());
        assertTrue(HeldFile.tryHold(file).isEmpty(), "this process holds it already");
        held.get().close();
        assertFalse(Files.exists(file));
    }

    /**
     * A link at the lock's name is refused, not written through: in a folder another user can write (the config's,
     * made writable for a service), a root Turnout wrote its holder line over whatever file the link named.
     */
    @Test
    void aLinkAtTheLocksNameIsRefusedAndItsTargetLeftAsItWas() throws IOException {
        Path victim = Files.writeString(dir.resolve("shadow"), "root:$6$secret:19000::::::\n");
        Path link = Files.createSymbolicLink(dir.resolve(".turnout-state.lock"), victim);
        IOException e = assertThrows(IOException.class, () -> HeldFile.tryHold(link).ifPresent(h -> {
            try {
                h.channel().write(ByteBuffer.wrap("pid 1\n".getBytes(StandardCharsets.UTF_8)), 0);
            } catch (IOException written) {
                throw new java.io.UncheckedIOException(written);
            }
        }));
        assertTrue(e.getMessage().contains("is a symbolic link"), e.getMessage());
        assertEquals("root:$6$secret:19000::::::\n", Files.readString(victim));
        assertTrue(Files.isSymbolicLink(link));
    }
}
