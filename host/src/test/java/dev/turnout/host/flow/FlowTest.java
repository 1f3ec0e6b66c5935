package dev.turnout.host.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class FlowTest {

    private static final Metadata UDP = new Metadata(Network.UDP, Destination.ofHost("example.test", 53),
            new InetSocketAddress("192.0.2.1", 40000), "tun", null);

    @Test
    void bytesCountedFromSeveralThreadsAtOnceAllAddUp() throws Exception {
        Flow flow = new Flow(1, UDP, "MATCH", java.util.List.of("DIRECT"), 0,
                dev.turnout.host.dns.EnhancedMode.NORMAL, null);
        int threads = 4;
        int adds = 200_000;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            Future<?>[] done = new Future<?>[threads];
            for (int t = 0; t < threads; t++) {
                done[t] = pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < adds; i++) {
                        flow.countUpload(3);
                        flow.countDownload(5);
                    }
                    return null;
                });
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(3L * threads * adds, flow.uploadBytes());
        assertEquals(5L * threads * adds, flow.downloadBytes());
    }

    @Test
    void countersHoldMoreThanAnIntAndAFlowIsMarkedClosedOnce() {
        Flow flow = new Flow(1, UDP, "MATCH", java.util.List.of("DIRECT"), 0,
                dev.turnout.host.dns.EnhancedMode.NORMAL, null);
        for (int i = 0; i < 3; i++) {
            flow.countDownload(Integer.MAX_VALUE);
        }
        assertEquals(3L * Integer.MAX_VALUE, flow.downloadBytes());
        assertFalse(flow.isClosed());
        assertTrue(flow.markClosed());
        assertFalse(flow.markClosed(), "only the first close wins");
        assertTrue(flow.isClosed());
    }
}
