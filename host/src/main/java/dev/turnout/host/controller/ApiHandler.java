package dev.turnout.host.controller;

import dev.turnout.api.Outbound;
import dev.turnout.host.config.Config;
import dev.turnout.host.geo.HomeGeoData;
import dev.turnout.host.inbound.HandshakeDeadline;
import dev.turnout.host.config.ConfigException;
import dev.turnout.host.config.ConfigLoader;
import dev.turnout.host.config.ProviderEntry;
import dev.turnout.host.config.StatusRanges;
import dev.turnout.host.files.DashboardStorage;
import dev.turnout.host.files.SafePaths;
import dev.turnout.host.outbound.GroupSettings;
import dev.turnout.host.outbound.ProxyGroup;
import dev.turnout.host.route.Routing;
import dev.turnout.host.runtime.Turnout;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.timeout.ReadTimeoutException;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One controller connection: authenticates, routes and answers Clash's API requests. Quick answers are
 * made on the event loop; reloads and downloads go to the controller's worker thread.
 */
final class ApiHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final Logger log = LoggerFactory.getLogger(ApiHandler.class);

    static final int MAX_DELAY_TIMEOUT_MILLIS = 30_000;

    private final Controller controller;
    /** A connection through the Unix socket: its file's permissions guard it, so no secret is asked (as mihomo). */
    private final boolean local;

    ApiHandler(Controller controller, boolean local) {
        this.controller = controller;
        this.local = local;
    }

    /** What one request needs while it is answered. */
    private record Call(ChannelHandlerContext ctx, FullHttpRequest request, HttpMethod method, List<String> path,
                        Map<String, List<String>> query, boolean keepAlive) {

        String param(String name) {
            List<String> v = query.get(name);
            return v == null || v.isEmpty() ? null : v.get(0);
        }

        boolean webSocket() {
            return "websocket".equalsIgnoreCase(request.headers().get(HttpHeaderNames.UPGRADE));
        }

        String body() {
            return request.content().toString(StandardCharsets.UTF_8);
        }

        void json(Object body) {
            Responses.json(ctx, keepAlive, HttpResponseStatus.OK, body);
        }

        void json(Json.Document body) {
            Responses.json(ctx, keepAlive, HttpResponseStatus.OK, body);
        }

        void error(HttpResponseStatus status, String message) {
            Responses.error(ctx, keepAlive, status, message);
        }

        void noContent() {
            Responses.noContent(ctx, keepAlive);
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        HandshakeDeadline.remove(ctx.channel()); // a whole first request: from now on the read timeout alone applies
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (!request.decoderResult().isSuccess()) {
            Responses.error(ctx, false, HttpResponseStatus.BAD_REQUEST, "Malformed request");
            return;
        }
        QueryStringDecoder qs = new QueryStringDecoder(request.uri());
        List<String> path = new ArrayList<>();
        Map<String, List<String>> parameters;
        try {
            for (String raw : qs.rawPath().split("/")) {
                if (!raw.isEmpty()) {
                    path.add(URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8));
                }
            }
            parameters = qs.parameters();
        } catch (IllegalArgumentException e) {
            // "%ZZ" or a cut "%2": the connection was closed with no answer at all.
            Responses.error(ctx, keepAlive, HttpResponseStatus.BAD_REQUEST, "malformed percent-encoding in the path "
                    + "or the query: " + e.getMessage());
            return;
        }
        Call call = new Call(ctx, request, request.method(), path, parameters, keepAlive);
        BrowserGuard guard = controller.guard();
        String origin = request.headers().get(HttpHeaderNames.ORIGIN);
        // Read by Responses for every answer on this connection until the next request sets it again.
        ctx.channel().attr(Responses.ALLOW_ORIGIN).set(guard.allowedOrigin(origin));
        // No browser reaches a Unix socket, so neither a rebinding Host nor a page's Origin can come through one;
        // Clash Verge Rev's WebSockets over it say "Host: clash-verge", and were refused.
        String refusal = local ? null : guard.refusal(request.headers());
        if (refusal != null) {
            call.error(HttpResponseStatus.FORBIDDEN, refusal);
            return;
        }
        try {
            if (call.method.equals(HttpMethod.OPTIONS)) {
                if (origin != null && guard.allowedOrigin(origin) == null) {
                    call.error(HttpResponseStatus.FORBIDDEN, "origin '" + origin + "' is not allowed: list it in "
                            + "external-controller-cors allow-origins");
                    return;
                }
                Responses.preflight(ctx, keepAlive, request.headers(), guard.allowPrivateNetwork());
                return;
            }
            if (!path.isEmpty() && path.get(0).equals("ui")) {
                serveUi(call, qs.rawPath());
                return;
            }
            String doh = controller.dohPath();
            if (doh != null && qs.rawPath().equals(doh)) {
                // As mihomo's: no secret, which a DNS client cannot send.
                dnsOverHttps(call);
                return;
            }
            if (!authorized(call)) {
                call.error(HttpResponseStatus.UNAUTHORIZED, "Unauthorized");
                return;
            }
            route(call);
        } catch (IllegalArgumentException e) {
            // Bad percent-encoding and the like.
            call.error(HttpResponseStatus.BAD_REQUEST, e.getMessage() == null ? "Bad request" : e.getMessage());
        }
    }

    private boolean authorized(Call call) {
        Secret secret = controller.secret();
        if (secret == null || local) {
            return true;
        }
        // Browsers cannot set headers on WebSockets, so Clash accepts ?token= there, and only there.
        if (call.webSocket() && call.param("token") != null) {
            return secret.matches(call.param("token"));
        }
        return secret.matchesHeader(call.request.headers().get(HttpHeaderNames.AUTHORIZATION));
    }

    private void route(Call call) {
        List<String> p = call.path;
        String first = p.isEmpty() ? "" : p.get(0);
        HttpMethod m = call.method;
        switch (first) {
            case "" -> {
                if (only(call, HttpMethod.GET)) {
                    call.json(Map.of("hello", "clash"));
                }
            }
            case "version" -> {
                if (p.size() == 1 && only(call, HttpMethod.GET)) {
                    call.json(ClashViews.version(version()));
                } else if (p.size() != 1) {
                    notFound(call);
                }
            }
            case "configs" -> {
                if (p.size() == 2 && p.get(1).equals("geo")) {
                    if (only(call, HttpMethod.POST)) {
                        updateGeo(call);
                    }
                } else if (p.size() != 1) {
                    notFound(call);
                } else if (m.equals(HttpMethod.GET)) {
                    call.json(controller.configsView());
                } else if (m.equals(HttpMethod.PATCH)) {
                    patchConfigs(call);
                } else if (m.equals(HttpMethod.PUT)) {
                    putConfigs(call);
                } else {
                    methodNotAllowed(call);
                }
            }
            case "proxies" -> proxies(call);
            case "rules" -> {
                if (p.size() == 1 && only(call, HttpMethod.GET)) {
                    Routing routing = controller.turnout().router().current();
                    call.json(ClashViews.rules(routing.rules(), routing.stats().entries()));
                } else if (p.size() == 2 && p.get(1).equals("disable")) {
                    if (only(call, HttpMethod.PATCH)) {
                        switchRules(call);
                    }
                } else {
                    notFound(call);
                }
            }
            case "connections" -> connections(call);
            case "traffic" -> {
                if (p.size() == 1 && only(call, HttpMethod.GET)) {
                    traffic(call);
                } else if (p.size() != 1) {
                    notFound(call);
                }
            }
            case "logs" -> {
                if (p.size() == 1 && only(call, HttpMethod.GET)) {
                    logs(call);
                } else if (p.size() != 1) {
                    notFound(call);
                }
            }
            case "memory" -> {
                if (p.size() == 1 && only(call, HttpMethod.GET)) {
                    memory(call);
                } else if (p.size() != 1) {
                    notFound(call);
                }
            }
            case "restart" -> {
                if (p.size() == 1 && only(call, HttpMethod.POST)) {
                    restart(call);
                } else if (p.size() != 1) {
                    notFound(call);
                }
            }
            case "dns" -> {
                if (p.size() == 2 && p.get(1).equals("query")) {
                    if (only(call, HttpMethod.GET)) {
                        dnsQuery(call);
                    }
                } else {
                    notFound(call);
                }
            }
            case "upgrade" -> {
                // mihomo's other address for the geo update, and its dashboard download; Turnout does not replace
                // its own program (the core).
                if (p.size() == 2 && p.get(1).equals("geo")) {
                    if (only(call, HttpMethod.POST)) {
                        updateGeo(call);
                    }
                } else if (p.size() == 2 && p.get(1).equals("ui")) {
                    if (only(call, HttpMethod.POST)) {
                        updateUi(call);
                    }
                } else {
                    call.error(HttpResponseStatus.NOT_FOUND, "Turnout does not upgrade itself from the controller;"
                            + " install a new release");
                }
            }
            case "cache" -> cache(call);
            case "providers" -> providers(call);
            case "group" -> group(call);
            case "storage" -> storage(call);
            default -> notFound(call);
        }
    }

    /**
     * mihomo's {@code /storage/KEY}: a JSON document a dashboard keeps here ({@link DashboardStorage}). GET gives it,
     * or {@code null} when there is none; PUT keeps the body, which must be JSON; DELETE forgets it.
     */
    private void storage(Call call) {
        if (call.path.size() != 2) {
            notFound(call);
            return;
        }
        DashboardStorage storage = controller.turnout().dashboardStorage();
        String key = call.path.get(1);
        if (call.method.equals(HttpMethod.GET) || call.method.equals(HttpMethod.HEAD)) {
            String json = storage.get(key);
            call.json(out -> out.writeRawValue(json == null ? "null" : json));
        } else if (call.method.equals(HttpMethod.PUT)) {
            String body = call.body();
            try {
                Json.parse(body);
                storage.put(key, body.strip());
            } catch (Json.JsonException | IllegalArgumentException e) {
                call.error(HttpResponseStatus.BAD_REQUEST, "Body invalid: " + e.getMessage());
                return;
            }
            call.noContent();
        } else if (call.method.equals(HttpMethod.DELETE)) {
            storage.delete(key);
            call.noContent();
        } else {
            methodNotAllowed(call);
        }
    }

    private static boolean only(Call call, HttpMethod method) {
        if (call.method.equals(method) || (method.equals(HttpMethod.GET) && call.method.equals(HttpMethod.HEAD))) {
            return true;
        }
        methodNotAllowed(call);
        return false;
    }

    private static void notFound(Call call) {
        call.error(HttpResponseStatus.NOT_FOUND, "Resource not found");
    }

    private static void methodNotAllowed(Call call) {
        call.error(HttpResponseStatus.METHOD_NOT_ALLOWED, "Method not allowed");
    }

    private static String version() {
        String v = Controller.class.getPackage().getImplementationVersion();
        return v != null ? v : "0.1.0-SNAPSHOT";
    }

    // ---- /configs

    private void patchConfigs(Call call) {
        Map<String, Object> body;
        try {
            body = Json.parseObject(call.body());
        } catch (Json.JsonException e) {
            call.error(HttpResponseStatus.BAD_REQUEST, "Body invalid: " + e.getMessage());
            return;
        }
        String mode = null;
        if (body.get("mode") != null) {
            mode = String.valueOf(body.get("mode")).toLowerCase(Locale.ROOT);
            if (!List.of("rule", "global", "direct").contains(mode)) {
                call.error(HttpResponseStatus.BAD_REQUEST, "Body invalid: mode must be rule, global or direct");
                return;
            }
        }
        String level = null;
        if (body.get("log-level") != null) {
            level = String.valueOf(body.get("log-level")).toLowerCase(Locale.ROOT);
            if (LogHub.severity(level) < 0) {
                call.error(HttpResponseStatus.BAD_REQUEST, "Body invalid: log-level must be debug, info, warning, error or silent");
                return;
            }
        }
        Turnout t = controller.turnout();
        Config running = t.config();
        Map<String, Object> view = controller.configsView();
        Config listening;
        String uiUrl;
        Boolean ipv6;
        Map<String, Object> tun;
        String stackNote;
        Map<String, Object> dns;
        boolean general;
        try {
            uiUrl = ConfigPatch.uiUrl(body);
            ipv6 = ConfigPatch.ipv6(body);
            tun = ConfigPatch.tun(body);
            stackNote = ConfigPatch.stackNote(body);
            dns = ConfigPatch.dns(body);
            general = !ConfigPatch.general(running.patchable(), body).equals(running.patchable());
            listening = ConfigPatch.apply(running, body);
            ConfigPatch.refuseTheRest(body, view);
        } catch (IllegalArgumentException e) {
            call.error(HttpResponseStatus.BAD_REQUEST, e.getMessage());
            return;
        }
        if (stackNote != null) {
            log.warn("{}", stackNote); // as the start warns of the config's, and then runs the system stack
        }
        if (uiUrl != null) {
            controller.uiUrl(uiUrl); // for the next POST /upgrade/ui, until the next start
        }
        boolean changesTun = tun != null && ConfigPatch.changesSection(tun, view.get("tun"));
        boolean changesDns = dns != null && ConfigPatch.changesSection(dns, view.get("dns"));
        // A port to bind: off the controller's loop, as the proxy ports' moves are.
        Config.Patchable patched = general ? ConfigPatch.general(running.patchable(), body) : null;
        boolean movesPortListener = patched != null
                && (patched.redirPort() != running.redirPort() || patched.tproxyPort() != running.tproxyPort());
        if (listening == running && !changesTun && !changesDns && !movesPortListener) {
            // A mode, log level, ipv6 or the settings beside them alone, at once: never behind a reload or a download
            // on the worker.
            try {
                usePatched(t, body, general);
            } catch (ConfigException e) {
                call.error(HttpResponseStatus.BAD_REQUEST, e.getMessage());
                return;
            }
            apply(t, mode, level, ipv6);
            call.noContent();
            return;
        }
        String newMode = mode;
        String newLevel = level;
        Boolean newIpv6 = ipv6;
        // The settings, the DNS, the TUN and the ports first, off the controller's loop: the changes here that can
        // fail, and then the rest is left as it was.
        onWorker(call, "the controller's change of the DNS, the TUN or the proxy ports failed", () -> {
            usePatched(t, body, general);
            if (changesDns) {
                t.useDns(dns);
                log.info("dns set by the controller: {}", dns);
            }
            if (changesTun) {
                t.useTun(tun);
                log.info("tun set by the controller: {}", tun);
            }
            if (listening != running) {
                t.listenAs(now -> ConfigPatch.apply(now, body));
                Config now = t.config();
                log.info("proxy ports set by the controller: {}{}", now.listening(),
                        now.authentication().servesEveryone() ? "" : "; " + now.authentication().lanServed());
            }
            apply(t, newMode, newLevel, newIpv6);
        });
    }

    /**
     * mihomo's {@code PATCH /rules/disable}: {@code {"3": true, "5": false}} switches rule 3 off and rule 5 on again
     * (zashboard's and Clash Party's rule switches), off the controller's loop since the routing is compiled anew;
     * 204, or 400 for a body that is not such a map or names no rule, and then nothing changed.
     */
    private void switchRules(Call call) {
        Map<Integer, Boolean> off = new java.util.LinkedHashMap<>();
        try {
            for (Map.Entry<String, Object> e : Json.parseObject(call.body()).entrySet()) {
                if (!(e.getValue() instanceof Boolean b)) {
                    throw new Json.JsonException("the value for rule " + e.getKey() + " must be true or false");
                }
                off.put(Integer.parseInt(e.getKey().trim()), b);
            }
        } catch (Json.JsonException | NumberFormatException e) {
            call.error(HttpResponseStatus.BAD_REQUEST, "Body invalid: " + (e instanceof NumberFormatException
                    ? "keys must be rule indexes (0, 1, ...)" : e.getMessage()));
            return;
        }
        onWorker(call, "switching rules on or off failed", () -> controller.turnout().switchRules(off));
    }

    /** interface-name, tcp-concurrent, sniffing and unified-delay as {@code body} sets them, when it changes one. */
    private static void usePatched(Turnout t, Map<String, Object> body, boolean changes) throws ConfigException {
        if (changes) {
            t.usePatched(p -> ConfigPatch.general(p, body));
            Config.Patchable now = t.config().patchable();
            log.info("set by the controller: interface-name {}, tcp-concurrent {}, sniffing {}, unified-delay {}, "
                    + "redir-port {}, tproxy-port {}", now.interfaceName() == null ? "none" : now.interfaceName(),
                    now.tcpConcurrent(), Boolean.TRUE.equals(now.sniffer().values().get("enable")),
                    now.unifiedDelay(), now.redirPort(), now.tproxyPort());
        }
    }

    /** The mode, the log level and ipv6 a PATCH asks for; {@code null} leaves one as it is. */
    private void apply(Turnout t, String mode, String level, Boolean ipv6) {
        if (ipv6 != null && ipv6 != t.config().ipv6()) {
            t.useIpv6(ipv6);
            log.info("ipv6 set to {} by the controller: names now lead to {}", ipv6,
                    ipv6 ? "IPv6 addresses too" : "IPv4 addresses only");
        }
        if (mode != null) {
            // Serialised with Turnout.reload, which holds the same lock while it swaps.
            synchronized (t) {
                Routing now = t.router().current();
                if (!now.mode().equals(mode)) {
                    t.router().swap(now.withMode(mode));
                    log.info("mode set to {} by the controller", mode);
                }
            }
        }
        if (level != null) {
            controller.logLevel(level);
        }
    }

    /**
     * mihomo's {@code POST /configs/geo} (the dashboards' "update GEO databases"): downloads afresh, from
     * {@code geox-url}, each geo database the home folder holds (those the rules use), as {@code geo-auto-update}
     * does, and reloads the routing with them; 204, or 503 naming each that could not be downloaded (kept as it was).
     */
    private void updateGeo(Call call) {
        Turnout t = controller.turnout();
        onWorker(call, RELOAD_FAILED, () -> {
            Config now = t.config();
            List<String> problems = new ArrayList<>();
            int replaced = HomeGeoData.refresh(now.geo(), now.baseDir(), log::info, problems::add);
            problems.forEach(log::warn);
            if (replaced > 0) {
                t.reloadRunning();
            } else if (problems.isEmpty()) {
                log.info("geo databases: none in {} to update (no rule uses one)", now.baseDir());
            }
            if (!problems.isEmpty()) {
                throw new IOException(String.join("; ", problems));
            }
        });
    }

    /**
     * mihomo's {@code POST /upgrade/ui}: the dashboard downloaded again from {@code external-ui-url} over what
     * {@code /ui/} serves; {@code {"status":"ok"}}, or 500 naming what failed (the folder as it was).
     */
    private void updateUi(Call call) {
        ExternalUi ui = controller.externalUi();
        if (ui == null) {
            call.error(HttpResponseStatus.BAD_REQUEST, "no external-ui in the config: /ui/ serves Turnout's own page");
            return;
        }
        Channel ch = call.ctx.channel();
        boolean keepAlive = call.keepAlive;
        try {
            controller.work().execute(() -> {
                String failed = controller.downloadUi(ui, "POST /upgrade/ui");
                answerOnLoop(ch, ctx -> {
                    if (failed == null) {
                        Responses.json(ctx, keepAlive, HttpResponseStatus.OK, Map.of("status", "ok"));
                    } else {
                        Responses.error(ctx, keepAlive, HttpResponseStatus.INTERNAL_SERVER_ERROR, failed);
                    }
                });
            });
        } catch (RejectedExecutionException e) {
            call.error(HttpResponseStatus.SERVICE_UNAVAILABLE, "busy: too many reloads queued");
        }
    }

    private void putConfigs(Call call) {
        Map<String, Object> body;
        try {
            String text = call.body();
            body = text.isBlank() ? Map.of() : Json.parseObject(text);
        } catch (Json.JsonException e) {
            call.error(HttpResponseStatus.BAD_REQUEST, "Body invalid: " + e.getMessage());
            return;
        }
        String payload = body.get("payload") instanceof String s && !s.isBlank() ? s : null;
        String path = body.get("path") instanceof String s && !s.isBlank() ? s : null;
        Turnout t = controller.turnout();
        Path file = null;
        if (payload == null && path != null) {
            try {
                file = Path.of(path);
                if (!file.isAbsolute()) {
                    call.error(HttpResponseStatus.BAD_REQUEST, "path is not a absolute path");
                    return;
                }
                file = controller.safePaths().check(file);
            } catch (java.nio.file.InvalidPathException | IOException e) {
                call.error(HttpResponseStatus.BAD_REQUEST, "cannot read " + path);
                return;
            } catch (SafePaths.Refused e) {
                call.error(HttpResponseStatus.FORBIDDEN, e.getMessage());
                return;
            }
        }
        Path checked = file;
        onWorker(call, RELOAD_FAILED, () -> {
            if (payload != null) {
                Config current = t.config();
                controller.reloader().reloadFrom(() -> GivenConfigs.confined(
                        ConfigLoader.parse(payload, "(controller payload)", null, current.baseDir()),
                        controller.safePaths(), current));
            } else if (checked != null && !controller.reloader().isStartFile(checked)) {
                // Read within reloadFrom, under its guard: a file that throws changes nothing.
                controller.reloader().reloadFrom(() -> {
                    Config read;
                    try {
                        read = ConfigLoader.load(checked, null);
                    } catch (ConfigException e) {
                        // The message quotes what the file says; the API (and /logs) must not become a way to read
                        // files, so only the place is told, and `turnout check` tells the rest on the machine.
                        throw new ConfigException(e.origin(), "not a valid config; `turnout check -c " + checked
                                + "` says why");
                    }
                    return GivenConfigs.confined(read, controller.safePaths(), t.config());
                });
            } else {
                // No body, or the file Turnout started with: the user's own, read as SIGHUP reads it. Clash Verge
                // Rev reloads with the path of the config it runs, and the confinement refused its own external-ui.
                controller.reloader().reloadNow();
            }
        });
    }

    /** Work that may block; the answer is 204 when it succeeds, 400 with the config error when it does not. */
    @FunctionalInterface
    private interface Work {
        void run() throws ConfigException, IOException, InterruptedException;
    }

    private static final String BUSY_UPDATING = "busy: " + Controller.MAX_PROVIDER_UPDATES + " provider updates running";

    private static final String RELOAD_FAILED = "reload asked for by the controller failed, keeping the running config";

    /**
     * Set on a connection while work elsewhere owes it an answer: a reload that ends the connections made before it
     * (a new secret) closes such a one only once it has its answer ({@link Controller#endOutdated}), however long
     * the answer took. A fixed second was too short under load once: Clash Verge's {@code PUT /configs} got no answer.
     */
    static final AttributeKey<Boolean> ANSWER_OWED = AttributeKey.valueOf("turnout.controller.answer-owed");
    /** Set by {@link Controller#endOutdated} on a connection that was owed an answer: closed once it has it. */
    static final AttributeKey<Boolean> CLOSE_AFTER_ANSWER =
            AttributeKey.valueOf("turnout.controller.close-after-answer");

    /** Runs {@code work} off the controller's loop; {@code failed} begins the warning a config error logs. */
    private void onWorker(Call call, String failed, Work work) {
        on(controller.work(), "busy: too many reloads queued", call, failed, work);
    }

    /** As {@link #onWorker}, on {@code threads}; {@code busy} is the 503's message when they refuse it. */
    private void on(java.util.concurrent.Executor threads, String busy, Call call, String failed, Work work) {
        Channel ch = call.ctx.channel();
        boolean keepAlive = call.keepAlive;
        ch.attr(ANSWER_OWED).set(Boolean.TRUE);
        try {
            threads.execute(() -> {
                HttpResponseStatus status = HttpResponseStatus.NO_CONTENT;
                String message = null;
                try {
                    work.run();
                } catch (ConfigException e) {
                    log.warn("{}: {}", failed, e.getMessage());
                    status = HttpResponseStatus.BAD_REQUEST;
                    message = e.getMessage();
                } catch (IOException e) {
                    status = HttpResponseStatus.SERVICE_UNAVAILABLE;
                    message = e.getMessage();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    status = HttpResponseStatus.SERVICE_UNAVAILABLE;
                    message = "interrupted";
                } catch (RuntimeException e) {
                    log.warn("controller request failed", e);
                    status = HttpResponseStatus.INTERNAL_SERVER_ERROR;
                    message = String.valueOf(e.getMessage());
                }
                HttpResponseStatus s = status;
                String msg = message;
                answerOnLoop(ch, ctx -> {
                    if (msg == null) {
                        Responses.noContent(ctx, keepAlive);
                    } else {
                        Responses.error(ctx, keepAlive, s, msg);
                    }
                });
            });
        } catch (RejectedExecutionException e) {
            ch.attr(ANSWER_OWED).set(null);
            call.error(HttpResponseStatus.SERVICE_UNAVAILABLE, busy);
        }
    }

    /** Answers on {@code ch}'s loop once work elsewhere is done; nothing when the client went away meanwhile. */
    private void answerOnLoop(Channel ch, Consumer<ChannelHandlerContext> answer) {
        ch.eventLoop().execute(() -> {
            ch.attr(ANSWER_OWED).set(null);
            ChannelHandlerContext ctx = ch.pipeline().context(ApiHandler.this);
            if (ctx != null) {
                answer.accept(ctx);
            }
            if (ch.attr(CLOSE_AFTER_ANSWER).getAndSet(null) != null) {
                // Writes leave in order: once this empty one is flushed, so is the answer.
                ch.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER)
                        .addListener(io.netty.channel.ChannelFutureListener.CLOSE);
            }
        });
    }

    // ---- /proxies

    private void proxies(Call call) {
        List<String> p = call.path;
        Turnout t = controller.turnout();
        Routing routing = t.router().current();
        if (p.size() == 1) {
            if (only(call, HttpMethod.GET)) {
                call.json(ClashViews.proxies(routing.outbounds(), t.groups().book(), t.config()));
            }
            return;
        }
        String name = p.get(1);
        Outbound o = routing.outbounds().get(name);
        if (o == null || p.size() > 3 || (p.size() == 3 && !p.get(2).equals("delay"))) {
            notFound(call);
            return;
        }
        if (p.size() == 3) {
            if (only(call, HttpMethod.GET)) {
                delay(call, o);
            }
            return;
        }
        if (call.method.equals(HttpMethod.GET)) {
            call.json(ClashViews.proxy(o, t.groups().book(),
                    ClashViews.entries(t.config(), routing.outbounds()).get(name)));
        } else if (call.method.equals(HttpMethod.PUT)) {
            select(call, o);
        } else if (call.method.equals(HttpMethod.DELETE)) {
            unfix(call, o);
        } else {
            methodNotAllowed(call);
        }
    }

    /** mihomo's {@code DELETE /proxies/NAME}: a url-test or fallback group chooses by its checks again. */
    private void unfix(Call call, Outbound o) {
        if (!(o instanceof ProxyGroup group) || !group.fixable()) {
            call.error(HttpResponseStatus.BAD_REQUEST, "Body invalid");
            return;
        }
        Turnout t = controller.turnout();
        synchronized (t) {
            if (t.router().current().outbounds().get(group.name()) instanceof ProxyGroup live) {
                live.unfix();
            }
        }
        t.groups().selections().remember(group.name(), "");
        log.info("group {} chooses by its checks again", group.name());
        call.noContent();
    }

    private void select(Call call, Outbound o) {
        Object member;
        try {
            member = Json.parseObject(call.body()).get("name");
        } catch (Json.JsonException e) {
            call.error(HttpResponseStatus.BAD_REQUEST, "Body invalid: " + e.getMessage());
            return;
        }
        if (!(member instanceof String chosen)) {
            call.error(HttpResponseStatus.BAD_REQUEST, "Body invalid: expected {\"name\": MEMBER}");
            return;
        }
        // select groups choose; url-test and fallback are pinned, as mihomo's SelectAble groups are.
        if (!(o instanceof ProxyGroup group) || !(group.selectable() || group.fixable())) {
            call.error(HttpResponseStatus.BAD_REQUEST, "Must be a Selector");
            return;
        }
        Turnout t = controller.turnout();
        synchronized (t) {
            // A reload may have replaced the group since it was looked up: select in the current one.
            if (!(t.router().current().outbounds().get(group.name()) instanceof ProxyGroup live)
                    || !(live.selectable() ? live.select(chosen) : live.fix(chosen))) {
                call.error(HttpResponseStatus.BAD_REQUEST, "Selector update error: proxy not exist");
                return;
            }
        }
        t.groups().selections().remember(group.name(), chosen);
        log.info(group.selectable() ? "group {} now uses {}" : "group {} pinned to {} (DELETE /proxies/{} unpins)",
                group.name(), chosen, group.name());
        call.noContent();
    }

    private void delay(Call call, Outbound o) {
        delay(call, o, o instanceof ProxyGroup g ? g.settings().url() : GroupSettings.DEFAULT_URL);
    }

    /** mihomo's getProxyDelay: {@code timeout} is required (400 without), as for a group's test. */
    private void delay(Call call, Outbound o, String defaultUrl) {
        DelayQuery q = delayQuery(call, defaultUrl, null);
        if (q == null) {
            return;
        }
        var groups = controller.turnout().groups();
        Channel ch = call.ctx.channel();
        // Timed on the controller's loop too: a plugin blocking in its dial holds the probe's loop, and its timer.
        Future<Integer> f = dev.turnout.host.outbound.DelayProbe.answeredWithin(
                groups.delay(o, q.url(), q.timeout(), q.expected(), groups.loop()), q.timeout(), ch.eventLoop());
        boolean keepAlive = call.keepAlive;
        f.addListener(x -> ch.eventLoop().execute(() -> {
            ChannelHandlerContext ctx = ch.pipeline().context(ApiHandler.this);
            if (ctx == null) {
                return;
            }
            if (x.isSuccess()) {
                Responses.json(ctx, keepAlive, HttpResponseStatus.OK, Map.of("delay", x.getNow()));
            } else if (x.cause() instanceof TimeoutException) {
                Responses.error(ctx, keepAlive, HttpResponseStatus.GATEWAY_TIMEOUT, "Timeout");
            } else {
                Responses.error(ctx, keepAlive, HttpResponseStatus.SERVICE_UNAVAILABLE, "An error occurred in the delay test");
            }
        }));
    }

    /** A delay test's query: the URL to fetch, the milliseconds it has, the statuses that count as up. */
    private record DelayQuery(String url, int timeout, StatusRanges expected) {
    }

    /**
     * The query of {@code /proxies/NAME/delay} and {@code /group/NAME/delay}: {@code url} ({@code defaultUrl} when
     * none), {@code timeout} ({@code defaultTimeout} when none; required where that is null, as mihomo's group test
     * has it) and {@code expected}; null once a 400 has answered a bad one.
     */
    private static DelayQuery delayQuery(Call call, String defaultUrl, Integer defaultTimeout) {
        String url = call.param("url");
        if (url == null || url.isBlank()) {
            url = defaultUrl;
        }
        String t = call.param("timeout");
        int timeout;
        try {
            timeout = t == null && defaultTimeout != null ? defaultTimeout : Integer.parseInt(t == null ? "" : t.trim());
        } catch (NumberFormatException e) {
            call.error(HttpResponseStatus.BAD_REQUEST, "Body invalid: timeout must be milliseconds");
            return null;
        }
        if (timeout <= 0 || timeout > MAX_DELAY_TIMEOUT_MILLIS) {
            call.error(HttpResponseStatus.BAD_REQUEST, "Body invalid: timeout must be 1 to " + MAX_DELAY_TIMEOUT_MILLIS + " ms");
            return null;
        }
        try {
            dev.turnout.host.outbound.DelayProbe.parseUrl(url);
            return new DelayQuery(url, timeout, StatusRanges.parse(call.param("expected")));
        } catch (IllegalArgumentException e) {
            call.error(HttpResponseStatus.BAD_REQUEST, "Body invalid: " + e.getMessage());
            return null;
        }
    }

    /**
     * {@code GET /group} (every group, in {@code /proxies}' shape, as a list), {@code GET /group/{name}} (one) and
     * {@code GET /group/{name}/delay}, as mihomo has them.
     */
    private void group(Call call) {
        List<String> p = call.path;
        Turnout t = controller.turnout();
        Routing routing = t.router().current();
        if (p.size() == 1) {
            if (only(call, HttpMethod.GET)) {
                List<Object> groups = new ArrayList<>();
                routing.outbounds().all().values().stream().filter(o -> o instanceof ProxyGroup)
                        .forEach(o -> groups.add(ClashViews.proxy(o, t.groups().book())));
                call.json(Map.of("proxies", groups));
            }
            return;
        }
        if (!(routing.outbounds().get(p.get(1)) instanceof ProxyGroup group) || p.size() > 3
                || (p.size() == 3 && !p.get(2).equals("delay"))) {
            notFound(call);
            return;
        }
        if (!only(call, HttpMethod.GET)) {
            return;
        }
        if (p.size() == 2) {
            call.json(ClashViews.proxy(group, t.groups().book()));
        } else {
            groupDelay(call, group);
        }
    }

    /** How long after its timeout a group test is answered without the members that have not answered. */
    private static final int GROUP_ANSWER_GRACE_MILLIS = 1_000;

    /**
     * mihomo's group test: every member fetches the query's {@code url} (the group's own when none is given) within
     * {@code timeout} ms (required, as mihomo's: 400 without), counting as up where the status is one {@code expected}
     * names; answers {member: delay} for those that did, or 504 when none did. The results go under that URL: a test
     * with another URL than the group's shows in the delays but does not move the group. As mihomo's getGroupDelay, a
     * url-test or fallback group's pin is dropped (and forgotten), so that it chooses by its checks again, and a
     * url-test group tests its own URL whatever the query's (mihomo's URLTest.URLTest uses its testUrl).
     */
    private void groupDelay(Call call, ProxyGroup group) {
        DelayQuery q = delayQuery(call, group.settings().url(), null);
        if (q == null) {
            return;
        }
        if ("url-test".equals(group.type())) {
            q = new DelayQuery(group.settings().url(), q.timeout(), q.expected());
        }
        Turnout t = controller.turnout();
        if (group.fixable()) {
            String pinned = "";
            synchronized (t) {
                if (t.router().current().outbounds().get(group.name()) instanceof ProxyGroup live) {
                    pinned = live.fixed();
                    live.unfix();
                }
            }
            String saved = t.groups().selections().choiceFor(group.name());
            if (!pinned.isEmpty() || (saved != null && !saved.isEmpty())) {
                t.groups().selections().remember(group.name(), "");
                log.info("group {} chooses by its checks again (a group test unpins it, as in mihomo)", group.name());
            }
        }
        var groups = t.groups();
        Channel ch = call.ctx.channel();
        boolean keepAlive = call.keepAlive;
        // As a single proxy's test, timed on the controller's loop too, a moment after the members' own timeouts: a
        // member whose plugin blocks in its dial holds the loop the members are tested on.
        Future<Map<String, Integer>> tested = dev.turnout.host.outbound.DelayProbe.answeredWithin(groups.testGroup(
                group, q.url(), q.timeout(), q.expected(), groups.loop()), q.timeout() + GROUP_ANSWER_GRACE_MILLIS,
                ch.eventLoop());
        tested.addListener(x -> ch.eventLoop().execute(() -> {
            ChannelHandlerContext ctx = ch.pipeline().context(ApiHandler.this);
            if (ctx == null) {
                return;
            }
            @SuppressWarnings("unchecked")
            Map<String, Integer> delays = x.isSuccess() ? (Map<String, Integer>) x.getNow() : Map.of();
            if (delays.isEmpty()) {
                Responses.error(ctx, keepAlive, HttpResponseStatus.GATEWAY_TIMEOUT, "get delay: all proxies timeout");
            } else {
                Responses.json(ctx, keepAlive, HttpResponseStatus.OK, delays);
            }
        }));
    }

    // ---- /connections, /traffic, /logs

    private void connections(Call call) {
        List<String> p = call.path;
        Turnout t = controller.turnout();
        if (p.size() == 1) {
            if (call.method.equals(HttpMethod.GET) || call.method.equals(HttpMethod.HEAD)) {
                if (call.webSocket()) {
                    long interval = 1000;
                    String i = call.param("interval");
                    if (i != null) {
                        try {
                            interval = Math.max(200, Math.min(60_000, Long.parseLong(i)));
                        } catch (NumberFormatException e) {
                            call.error(HttpResponseStatus.BAD_REQUEST, "Body invalid: interval must be milliseconds");
                            return;
                        }
                    }
                    long every = interval;
                    upgrade(call, ch -> controller.streams().periodic(ch, every,
                            () -> ClashViews.connections(t.flows(), t.router().current().outbounds())));
                } else {
                    call.json(ClashViews.connections(t.flows(), t.router().current().outbounds()));
                }
            } else if (call.method.equals(HttpMethod.DELETE)) {
                t.flows().closeAll();
                call.noContent();
            } else {
                methodNotAllowed(call);
            }
            return;
        }
        if (p.size() != 2) {
            notFound(call);
            return;
        }
        if (!call.method.equals(HttpMethod.DELETE)) {
            methodNotAllowed(call);
            return;
        }
        // A connection that is gone (it ended between a dashboard's refresh and the click) is closed all the same:
        // 204, as Clash and mihomo answer, where a 404 became an error in the dashboard.
        long flow = ConnectionIds.flowOf(p.get(1));
        if (flow >= 0) { // else no connection of this run ever
            t.flows().close(flow);
        }
        call.noContent();
    }

    private void traffic(Call call) {
        if (call.webSocket()) {
            upgrade(call, ch -> controller.streams().traffic(ch, true));
        } else if (admitStream(call)) {
            Channel ch = call.ctx.channel();
            Streams.beginChunked(ch);
            controller.streams().traffic(ch, false);
        }
    }

    private void logs(Call call) {
        String levelName = call.param("level") == null ? "info" : call.param("level");
        int level = LogHub.severity(levelName);
        if (level < 0) {
            call.error(HttpResponseStatus.BAD_REQUEST, "Body invalid: level must be debug, info, warning, error or silent");
            return;
        }
        java.util.function.Consumer<Channel> start = ch -> {
            LogHub.Subscriber s = controller.logs().subscribe(level, "structured".equals(call.param("format")),
                    Streams.sink(ch, call.webSocket()));
            ch.closeFuture().addListener(f -> controller.logs().unsubscribe(s));
        };
        if (call.webSocket()) {
            upgrade(call, start);
        } else if (admitStream(call)) {
            Streams.beginChunked(call.ctx.channel());
            start.accept(call.ctx.channel());
        }
    }

    /** Takes a streaming slot and lifts the request timeout; answers 503 when none is free. */
    private boolean admitStream(Call call) {
        Channel ch = call.ctx.channel();
        if (!controller.streams().admit(ch)) {
            call.error(HttpResponseStatus.SERVICE_UNAVAILABLE, "too many streaming clients (" + Streams.MAX_CLIENTS + ")");
            return false;
        }
        if (ch.pipeline().get("timeout") != null) {
            ch.pipeline().remove("timeout");
        }
        return true;
    }

    private void upgrade(Call call, java.util.function.Consumer<Channel> then) {
        if (!admitStream(call)) {
            return;
        }
        Channel ch = call.ctx.channel();
        String host = call.request.headers().get(HttpHeaderNames.HOST, "localhost");
        WebSocketServerHandshakerFactory factory = new WebSocketServerHandshakerFactory("ws://" + host + call.request.uri(),
                null, false, 64 * 1024);
        WebSocketServerHandshaker handshaker = factory.newHandshaker(call.request);
        if (handshaker == null) {
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ch);
            return;
        }
        handshaker.handshake(ch, call.request).addListener(f -> {
            if (f.isSuccess()) {
                ch.pipeline().addLast("ws", new WebSocketControl(handshaker));
                then.accept(ch);
            } else {
                ch.close();
            }
        });
    }

    // ---- /memory, /restart, /dns, /cache

    private void memory(Call call) {
        if (call.webSocket()) {
            upgrade(call, ch -> controller.streams().memory(ch, true));
        } else if (admitStream(call)) {
            Channel ch = call.ctx.channel();
            Streams.beginChunked(ch);
            controller.streams().memory(ch, false);
        }
    }

    /**
     * mihomo's answer first ({@code {"status":"ok"}}), then the restart on a thread of its own: the process runs
     * again from the start with the same command line (see the {@link Restarter} the command gave).
     */
    private void restart(Call call) {
        Restarter restarter = controller.restarter();
        String why = restarter == null ? "restart is not available in this process" : restarter.unavailableReason();
        if (why != null) {
            call.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, why);
            return;
        }
        // Not kept alive: the connection closes once the answer is written, and only then does the restart begin.
        call.ctx.channel().closeFuture().addListener(f -> {
            log.info("restart asked for by the controller");
            new Thread(restarter::restart, "turnout-restart").start();
        });
        Responses.json(call.ctx, false, HttpResponseStatus.OK, Map.of("status", "ok"));
    }

    /**
     * RFC 8484: a DNS message in {@code ?dns=} (base64url) or a POST's {@code application/dns-message} body, answered
     * by Turnout's DNS as it answers its listener.
     */
    private void dnsOverHttps(Call call) {
        var dns = controller.turnout().dns();
        if (dns == null) {
            call.error(HttpResponseStatus.SERVICE_UNAVAILABLE, "DNS section is disabled");
            return;
        }
        io.netty.buffer.ByteBuf query;
        if (call.method.equals(HttpMethod.GET) && call.param("dns") != null) {
            try {
                query = io.netty.buffer.Unpooled.wrappedBuffer(java.util.Base64.getUrlDecoder().decode(
                        call.param("dns")));
            } catch (IllegalArgumentException e) {
                call.error(HttpResponseStatus.BAD_REQUEST, "dns: not base64url");
                return;
            }
        } else if (call.method.equals(HttpMethod.POST) && "application/dns-message".equalsIgnoreCase(
                call.request.headers().get(HttpHeaderNames.CONTENT_TYPE))) {
            query = call.request.content();
        } else {
            call.error(HttpResponseStatus.BAD_REQUEST, "a DNS message in ?dns= (GET) or an application/dns-message "
                    + "body (POST)");
            return;
        }
        Channel ch = call.ctx.channel();
        boolean keepAlive = call.keepAlive;
        dns.handler().handle(query, false, ch.eventLoop()).addListener(f -> {
            ChannelHandlerContext ctx = ch.pipeline().context(ApiHandler.this);
            io.netty.buffer.ByteBuf answer = f.isSuccess() ? (io.netty.buffer.ByteBuf) f.getNow() : null;
            if (ctx == null) {
                io.netty.util.ReferenceCountUtil.release(answer);
                return;
            }
            if (answer == null) {
                Responses.error(ctx, keepAlive, HttpResponseStatus.BAD_REQUEST, "not a DNS query");
                return;
            }
            byte[] bytes = io.netty.buffer.ByteBufUtil.getBytes(answer);
            answer.release();
            Responses.bytes(ctx, keepAlive, HttpResponseStatus.OK, bytes, "application/dns-message");
        });
    }

    private void dnsQuery(Call call) {
        var dns = controller.turnout().dns();
        if (dns == null) {
            call.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "DNS section is disabled");
            return;
        }
        String name = call.param("name");
        String typeName = call.param("type") == null || call.param("type").isEmpty() ? "A" : call.param("type");
        io.netty.handler.codec.dns.DnsRecordType type;
        try {
            type = dev.turnout.host.dns.DnsLookup.type(typeName);
        } catch (IllegalArgumentException e) {
            call.error(HttpResponseStatus.BAD_REQUEST, "invalid query type");
            return;
        }
        if (name == null || name.isBlank()) {
            call.error(HttpResponseStatus.BAD_REQUEST, "Body invalid: name is required");
            return;
        }
        Channel ch = call.ctx.channel();
        boolean keepAlive = call.keepAlive;
        dev.turnout.host.dns.DnsLookup.query(dns.upstream(), name, type, ch.eventLoop().newPromise())
                .addListener((Future<Map<String, Object>> f) -> ch.eventLoop().execute(() -> {
                    ChannelHandlerContext ctx = ch.pipeline().context(ApiHandler.this);
                    if (ctx == null) {
                        return;
                    }
                    if (f.isSuccess()) {
                        Responses.json(ctx, keepAlive, HttpResponseStatus.OK, f.getNow());
                    } else {
                        Responses.error(ctx, keepAlive, HttpResponseStatus.INTERNAL_SERVER_ERROR,
                                String.valueOf(f.cause().getMessage()));
                    }
                }));
    }

    /** {@code POST /cache/fakeip/flush} and {@code POST /cache/dns/flush}: 204, also when there is nothing to flush. */
    private void cache(Call call) {
        List<String> p = call.path;
        if (p.size() != 3 || !p.get(2).equals("flush") || !(p.get(1).equals("fakeip") || p.get(1).equals("dns"))) {
            notFound(call);
            return;
        }
        if (!only(call, HttpMethod.POST)) {
            return;
        }
        var dns = controller.turnout().dns();
        if (dns == null) {
            call.noContent();
        } else if (p.get(1).equals("dns")) {
            dns.upstream().flushCache();
            log.info("DNS cache flushed by the controller");
            call.noContent();
        } else {
            // The cache file is rewritten: slow work, off the event loop.
            onWorker(call, RELOAD_FAILED, () -> log.info("fake-IP cache flushed by the controller: {} mappings dropped", dns.flushFakeIp()));
        }
    }

    // ---- /providers

    private void providers(Call call) {
        List<String> p = call.path;
        if (p.size() >= 2 && p.get(1).equals("proxies")) {
            proxyProviders(call);
            return;
        }
        if (p.size() < 2 || !p.get(1).equals("rules") || p.size() > 3) {
            notFound(call);
            return;
        }
        Turnout t = controller.turnout();
        Config c = t.config();
        if (p.size() == 2) {
            if (only(call, HttpMethod.GET)) {
                call.json(ClashViews.ruleProviders(c, t.router().current()));
            }
            return;
        }
        ProviderEntry provider = c.providers().get(p.get(2));
        if (provider == null) {
            notFound(call);
            return;
        }
        if (call.method.equals(HttpMethod.GET)) {
            call.json(ClashViews.ruleProvider(provider, t.router().current()));
        } else if (call.method.equals(HttpMethod.PUT)) {
            on(controller.providerUpdates(), BUSY_UPDATING, call, RELOAD_FAILED, () -> {
                if ("http".equals(provider.type())) {
                    dev.turnout.host.route.ProviderLoader.download(provider);
                }
                t.reloadRunning();
            });
        } else {
            methodNotAllowed(call);
        }
    }

    /**
     * mihomo's {@code /providers/proxies} ({@code GET}), {@code /NAME} ({@code GET}; {@code PUT}: download now and
     * reload), {@code /NAME/healthcheck} (check every node, 204) and {@code /NAME/PROXY/healthcheck}
     * ({@code {"delay": N}} with the provider's health-check URL).
     */
    private void proxyProviders(Call call) {
        List<String> p = call.path;
        Turnout t = controller.turnout();
        var outbounds = t.router().current().outbounds();
        if (p.size() == 2) {
            if (only(call, HttpMethod.GET)) {
                call.json(ClashViews.proxyProviders(outbounds, t.groups().book()));
            }
            return;
        }
        var provider = outbounds.providers().get(p.get(2));
        if (provider == null || p.size() > 5
                || (p.size() == 4 && !p.get(3).equals("healthcheck") && !provider.nodes().contains(p.get(3)))
                || (p.size() == 5 && (!p.get(4).equals("healthcheck") || !provider.nodes().contains(p.get(3))))) {
            notFound(call);
            return;
        }
        if (p.size() == 4 && !p.get(3).equals("healthcheck")) {
            // mihomo's /providers/proxies/NAME/PROXY: the node as /proxies/PROXY shows it
            if (only(call, HttpMethod.GET)) {
                call.json(ClashViews.proxy(outbounds.get(p.get(3)), t.groups().book(),
                        ClashViews.entries(null, outbounds).get(p.get(3))));
            }
            return;
        }
        if (p.size() == 3) {
            if (call.method.equals(HttpMethod.GET)) {
                call.json(ClashViews.proxyProvider(provider, outbounds, t.groups().book()));
            } else if (call.method.equals(HttpMethod.PUT)) {
                var entry = provider.content().entry();
                on(controller.providerUpdates(), BUSY_UPDATING, call, RELOAD_FAILED, () -> {
                    if (entry.http()) {
                        try (var fetch = dev.turnout.host.provider.ProviderFetch.over(outbounds)) {
                            if (dev.turnout.host.provider.ProxyProviders.refresh(entry, fetch) == null) {
                                return; // the same list: only its time changed, as mihomo's fetcher does
                            }
                        } catch (ConfigException e) {
                            // mihomo's updateProvider: 503 with the provider's error; the last good list stays.
                            log.warn("{}", e.getMessage());
                            throw new IOException(e.getMessage(), e);
                        }
                    }
                    t.reloadRunning();
                });
            } else {
                methodNotAllowed(call);
            }
            return;
        }
        if (!only(call, HttpMethod.GET)) {
            return;
        }
        if (p.size() == 4) {
            Channel ch = call.ctx.channel();
            boolean keepAlive = call.keepAlive;
            var groups = t.groups();
            groups.checkProvider(provider, outbounds, groups.loop()).addListener(x -> ch.eventLoop().execute(() -> {
                ChannelHandlerContext ctx = ch.pipeline().context(ApiHandler.this);
                if (ctx != null) {
                    Responses.noContent(ctx, keepAlive);
                }
            }));
            return;
        }
        String url = provider.content().entry().healthCheck().url();
        delay(call, outbounds.get(p.get(3)), url != null ? url : GroupSettings.DEFAULT_URL);
    }

    // ---- /ui

    private void serveUi(Call call, String rawPath) {
        if (!call.method.equals(HttpMethod.GET) && !call.method.equals(HttpMethod.HEAD)) {
            methodNotAllowed(call);
            return;
        }
        if (rawPath.equals("/ui")) {
            Responses.redirect(call.ctx, call.keepAlive, "/ui/");
            return;
        }
        try {
            StaticFiles.Found f = controller.ui().find(rawPath.substring("/ui/".length()));
            if (f == null) {
                notFound(call);
                return;
            }
            Responses.bytes(call.ctx, call.keepAlive, HttpResponseStatus.OK, f.bytes(), f.contentType());
        } catch (StaticFiles.Refused e) {
            call.error(HttpResponseStatus.FORBIDDEN, e.getMessage());
        } catch (IOException e) {
            call.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "cannot read the file: " + e.getMessage());
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof ReadTimeoutException) && !(cause instanceof IOException)) {
            log.debug("controller connection failed", cause);
        }
        ctx.close();
    }
}
