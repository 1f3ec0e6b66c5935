package dev.turnout.host.controller;

import dev.turnout.host.flow.FlowTable;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The controller's long-lived answers: traffic and memory every second, the connection list at an interval, log lines
 * as they happen, each as chunked JSON lines or WebSocket text frames. At most {@link #MAX_CLIENTS} at
 * once; a client that does not keep up loses lines instead of making Turnout buffer them.
 */
final class Streams implements AutoCloseable {

    static final int MAX_CLIENTS = 64;

    private final AtomicInteger clients = new AtomicInteger();
    private final CopyOnWriteArrayList<Consumer<String>> trafficSinks = new CopyOnWriteArrayList<>();
    private final CopyOnWriteArrayList<Consumer<String>> memorySinks = new CopyOnWriteArrayList<>();
    private final FlowTable flows;
    private final ScheduledFuture<?> ticker;
    private long lastUp;
    private long lastDown;

    Streams(FlowTable flows, EventLoop loop) {
        this.flows = flows;
        this.lastUp = flows.totalUpload();
        this.lastDown = flows.totalDownload();
        this.ticker = loop.scheduleAtFixedRate(this::tick, 1, 1, TimeUnit.SECONDS);
    }

    /** Takes a client slot; false when all are taken. Released when its channel closes. */
    boolean admit(Channel ch) {
        if (clients.incrementAndGet() > MAX_CLIENTS) {
            clients.decrementAndGet();
            return false;
        }
        ch.closeFuture().addListener(f -> clients.decrementAndGet());
        return true;
    }

    int clients() {
        return clients.get();
    }

    private void tick() {
        long up = flows.totalUpload();
        long down = flows.totalDownload();
        String line = "{\"up\":" + Math.max(0, up - lastUp) + ",\"down\":" + Math.max(0, down - lastDown) + "}";
        lastUp = up;
        lastDown = down;
        for (Consumer<String> s : trafficSinks) {
            s.accept(line);
        }
        if (!memorySinks.isEmpty()) {
            String memory = memoryLine(ProcessMemory.inUse());
            for (Consumer<String> s : memorySinks) {
                s.accept(memory);
            }
        }
    }

    /** mihomo's {@code /memory} line; {@code oslimit} is always 0 there too ("maybe we need it in the future"). */
    static String memoryLine(long inUse) {
        return "{\"inuse\":" + inUse + ",\"oslimit\":0}";
    }

    /**
     * {@code /memory}: the resident set every second. The first line says 0, as mihomo's does, because dashboards'
     * charts (metacubexd's) start from it.
     */
    void memory(Channel ch, boolean webSocket) {
        Consumer<String> sink = sink(ch, webSocket);
        sink.accept(memoryLine(0));
        memorySinks.add(sink);
        ch.closeFuture().addListener(f -> memorySinks.remove(sink));
    }

    void traffic(Channel ch, boolean webSocket) {
        Consumer<String> sink = sink(ch, webSocket);
        trafficSinks.add(sink);
        ch.closeFuture().addListener(f -> trafficSinks.remove(sink));
    }

    /**
     * Sends {@code snapshot} over the WebSocket {@code ch} now and every {@code intervalMillis} until it closes;
     * written straight into the frame's buffer, and not at all while the client has yet to take the one before.
     */
    void periodic(Channel ch, long intervalMillis, Supplier<Json.Document> snapshot) {
        ScheduledFuture<?> task = ch.eventLoop().scheduleAtFixedRate(() -> {
            if (ch.isActive() && ch.isWritable()) {
                ch.writeAndFlush(new TextWebSocketFrame(Json.write(ch.alloc(), snapshot.get())));
            }
        }, 0, intervalMillis, TimeUnit.MILLISECONDS);
        ch.closeFuture().addListener(f -> task.cancel(false));
    }

    /** Starts a chunked HTTP answer whose body is JSON lines. */
    static void beginChunked(Channel ch) {
        HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, Responses.JSON_TYPE);
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        Responses.cors(ch, r.headers());
        HttpUtil.setTransferEncodingChunked(r, true);
        ch.writeAndFlush(r);
    }

    /**
     * Writes lines to {@code ch} from any thread; drops a line when the channel's buffer is over its high
     * water mark (queued writes count toward it, so memory per client stays bounded).
     */
    static Consumer<String> sink(Channel ch, boolean webSocket) {
        return line -> {
            if (!ch.isActive() || !ch.isWritable()) {
                return;
            }
            if (webSocket) {
                ch.writeAndFlush(new TextWebSocketFrame(line));
            } else {
                ch.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer(line + "\n", StandardCharsets.UTF_8)));
            }
        };
    }

    @Override
    public void close() {
        ticker.cancel(false);
        trafficSinks.clear();
        memorySinks.clear();
    }
}
