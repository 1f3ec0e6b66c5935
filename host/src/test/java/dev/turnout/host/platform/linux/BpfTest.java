package dev.turnout.host.platform.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.sun.jna.LastErrorException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BpfTest {

    @Test
    void aLoadInterruptedBySignalsIsTriedAgain() {
        AtomicInteger calls = new AtomicInteger();
        int fd = Bpf.triedWhileInterrupted(() -> {
            if (calls.incrementAndGet() < 3) {
                throw new LastErrorException(Bpf.EAGAIN);
            }
            return 42;
        });
        assertEquals(42, fd);
        assertEquals(3, calls.get());
    }

    @Test
    void aLoadThatKeepsBeingInterruptedFailsAfterTheLastAttempt() {
        AtomicInteger calls = new AtomicInteger();
        LastErrorException e = assertThrows(LastErrorException.class, () -> Bpf.triedWhileInterrupted(() -> {
            calls.incrementAndGet();
            throw new LastErrorException(Bpf.EAGAIN);
        }));
        assertEquals(Bpf.EAGAIN, e.getErrorCode());
        assertEquals(Bpf.LOAD_ATTEMPTS, calls.get());
    }

    @Test
    void aRefusalIsNotTriedAgain() {
        AtomicInteger calls = new AtomicInteger();
        int einval = 22;
        LastErrorException e = assertThrows(LastErrorException.class, () -> Bpf.triedWhileInterrupted(() -> {
            calls.incrementAndGet();
            throw new LastErrorException(einval);
        }));
        assertEquals(einval, e.getErrorCode());
        assertEquals(1, calls.get());
    }
}
