package dev.turnout.host.dial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoOps;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoOps;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RearmingEpollIoHandlerTest {

    /** Stands in for Netty's epoll handler: records what reaches epoll, as its registrations do. */
    private static final class RecordingEpoll implements IoHandler {
        final List<String> calls = new ArrayList<>();

        @Override
        public IoRegistration register(IoHandle handle) {
            calls.add("register");
            return new IoRegistration() {
                private boolean added;
                private boolean valid = true;

                @Override
                public long submit(IoOps ops) {
                    int value = ((EpollIoOps) ops).value();
                    if (value == 0) {
                        calls.add(added ? "del" : "nothing");
                        return 0;
                    }
                    calls.add((added ? "mod " : "add ") + value);
                    added = true;
                    return value;
                }

                @Override
                public <T> T attachment() {
                    return null;
                }

                @Override
                public boolean isValid() {
                    return valid;
                }

                @Override
                public boolean cancel() {
                    calls.add("cancel");
                    valid = false;
                    return true;
                }
            };
        }

        @Override
        public int run(IoHandlerContext context) {
            return 0;
        }

        @Override
        public void wakeup() {
        }

        @Override
        public boolean isCompatible(Class<? extends IoHandle> handleType) {
            return true;
        }
    }

    private final RecordingEpoll epoll = new RecordingEpoll();
    private IoRegistration registration;

    @BeforeEach
    void register() throws Exception {
        assumeTrue(Epoll.isAvailable(), "Netty's epoll transport is not available here: " + Epoll.unavailabilityCause());
        IoHandle handle = new IoHandle() {
            @Override
            public void handle(IoRegistration registration, io.netty.channel.IoEvent ioEvent) {
            }

            @Override
            public void close() {
            }
        };
        registration = RearmingEpollIoHandler.around(epoll).register(handle);
    }

    @Test
    void theSameInterestAskedForTwiceReachesEpollOnce() {
        int in = EpollIoOps.EPOLLIN.value() | EpollIoOps.EPOLLRDHUP.value();
        assertEquals(in, registration.submit(EpollIoOps.valueOf(in)));
        assertEquals(in, registration.submit(EpollIoOps.valueOf(in)));
        assertEquals(List.of("register", "add " + in), epoll.calls);
    }

    @Test
    void aDifferentInterestStillReachesEpoll() {
        int out = EpollIoOps.EPOLLOUT.value();
        int in = EpollIoOps.EPOLLIN.value();
        registration.submit(EpollIoOps.valueOf(out));
        registration.submit(EpollIoOps.valueOf(in));
        registration.submit(EpollIoOps.valueOf(out));
        assertEquals(List.of("register", "add " + out, "mod " + in, "mod " + out), epoll.calls);
    }

    @Test
    void anInterestAskedForAgainAfterEpollDroppedTheSocketAddsItAgain() {
        int in = EpollIoOps.EPOLLIN.value();
        registration.submit(EpollIoOps.valueOf(in));
        registration.submit(EpollIoOps.NONE);
        registration.submit(EpollIoOps.valueOf(in));
        assertEquals(List.of("register", "add " + in, "del", "cancel", "register", "add " + in), epoll.calls);
    }
}
