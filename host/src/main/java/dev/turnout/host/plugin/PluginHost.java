package dev.turnout.host.plugin;

import dev.turnout.api.OutboundType;
import dev.turnout.host.config.ConfigLoader;
import dev.turnout.host.dns.DnsOutboundType;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.pf4j.BasePluginLoader;
import org.pf4j.CompoundPluginLoader;
import org.pf4j.DefaultPluginClasspath;
import org.pf4j.DefaultPluginFactory;
import org.pf4j.DefaultPluginManager;
import org.pf4j.JarPluginLoader;
import org.pf4j.Plugin;
import org.pf4j.PluginClassLoader;
import org.pf4j.PluginDescriptor;
import org.pf4j.PluginFactory;
import org.pf4j.PluginLoader;
import org.pf4j.PluginRuntimeException;
import org.pf4j.PluginState;
import org.pf4j.PluginWrapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the plugins in a folder (jars, and exploded folders with {@code classes/} and {@code lib/} in
 * development) and collects the outbound types they provide. A plugin that fails is recorded with its path
 * and reason; the others still load.
 */
public final class PluginHost implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PluginHost.class);

    private final DefaultPluginManager manager;
    private final List<LoadedPlugin> loaded = new ArrayList<>();
    private final List<PluginFailure> failures = new ArrayList<>();
    private final List<PluginWarning> warnings = new ArrayList<>();
    private final Map<String, OutboundType> types = new LinkedHashMap<>();
    /** Why a plugin's Plugin class could not be created, by plugin id (see {@link #createPluginFactory}). */
    private final Map<String, Throwable> creationFailures = new HashMap<>();

    private PluginHost(Path folder) {
        this.manager = new DefaultPluginManager(folder) {
            @Override
            protected PluginFactory createPluginFactory() {
                return new DefaultPluginFactory() {
                    /**
                     * As PF4J's, but keeping why a Plugin class could not be created: PF4J logs it and answers null,
                     * and starting the plugin then fails with a NullPointerException that says nothing of the cause.
                     */
                    @Override
                    protected Plugin createInstance(Class<?> pluginClass, PluginWrapper wrapper) {
                        try {
                            try {
                                return (Plugin) pluginClass.getConstructor(PluginWrapper.class).newInstance(wrapper);
                            } catch (NoSuchMethodException e) {
                                return (Plugin) pluginClass.getConstructor().newInstance();
                            }
                        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                            creationFailures.put(wrapper.getPluginId(), unwrapped(e));
                            return null;
                        }
                    }
                };
            }

            @Override
            protected PluginLoader createPluginLoader() {
                return new CompoundPluginLoader()
                        .add(new JarPluginLoader(this) {
                            @Override
                            protected PluginClassLoader createPluginClassLoader(Path path, PluginDescriptor d) {
                                return new SharingClassLoader(pluginManager, d, getClass().getClassLoader());
                            }
                        })
                        .add(new BasePluginLoader(this, new DefaultPluginClasspath()) {
                            @Override
                            public boolean isApplicable(Path path) {
                                return Files.isDirectory(path);
                            }

                            @Override
                            protected PluginClassLoader createPluginClassLoader(Path path, PluginDescriptor d) {
                                return new SharingClassLoader(pluginManager, d, getClass().getClassLoader());
                            }
                        });
            }
        };
        manager.setSystemVersion(HOST_VERSION);
    }

    /** Loads and starts every plugin in {@code folder}; a missing folder means no plugins. Failures are logged. */
    public static PluginHost load(Path folder) {
        return load(folder, true);
    }

    /**
     * As {@link #load(Path)}; with {@code logFailures} false the failures are only recorded, for callers
     * such as {@code turnout plugins} that print them themselves (one line per bad jar, not two).
     */
    public static PluginHost load(Path folder, boolean logFailures) {
        return load(folder, logFailures, PluginTrust.ofThisProcess());
    }

    /** As {@link #load(Path, boolean)}, trusting the jars and folders {@code trust} lets through. */
    static PluginHost load(Path folder, boolean logFailures, PluginTrust trust) {
        PluginHost host = new PluginHost(folder);
        host.loadAll(folder, trust);
        if (logFailures) {
            for (PluginFailure f : host.failures) {
                log.error("plugin {} failed to load: {}", f.path(), f.reason());
            }
            for (PluginWarning w : host.warnings) {
                log.warn("plugin {}: {}", w.path(), w.message());
            }
        }
        return host;
    }

    /**
     * A plugin PF4J started, with the outbound types it offers by name (each asked once: a plugin's answer is not
     * trusted to stay the same), before duplicates are weeded out.
     */
    private record Started(PluginWrapper wrapper, Path path, Map<String, OutboundType> types) {
    }

    /** What {@link OutboundType#type()} may return: the API asks for lower case; a config's {@code type:} value. */
    private static final java.util.regex.Pattern TYPE_NAME = java.util.regex.Pattern.compile("[a-z0-9][a-z0-9._-]{0,31}");

    /**
     * This host's version as a plugin's {@code Plugin-Requires} is checked against: the jar's, else the project's,
     * without a pre-release part (0.1.0-SNAPSHOT counts as 0.1.0, which {@code >=0.1.0} would rule out otherwise).
     */
    static final String HOST_VERSION;

    static {
        String v = PluginHost.class.getPackage().getImplementationVersion();
        HOST_VERSION = (v != null ? v : "0.1.0-SNAPSHOT").replaceFirst("[-+].*$", "");
    }

    /**
     * The {@code type:} values the host builds itself: its {@code dns} outbound, the group types, and the types of
     * its PASS outbounds. A plugin's type of one of these names would take it over without a word.
     */
    static final Set<String> HOST_TYPES;

    static {
        Set<String> host = new java.util.TreeSet<>(ConfigLoader.GROUP_TYPES);
        host.add(DnsOutboundType.TYPE);
        host.add("pass");
        host.add("pass-rule");
        HOST_TYPES = Collections.unmodifiableSet(host);
    }

    private void loadAll(Path folder, PluginTrust trust) {
        if (!Files.isDirectory(folder)) {
            log.warn("plugin folder {} does not exist; no outbound plugins loaded", folder.toAbsolutePath());
            return;
        }
        // Before anything of a plugin is read or run: as root, what another user can write is not loaded.
        String unsafe = trust.folderProblem(folder);
        if (unsafe != null) {
            failures.add(new PluginFailure(folder, unsafe));
            return;
        }
        List<Path> paths;
        try (Stream<Path> s = Files.list(folder)) {
            paths = s.filter(p -> Files.isDirectory(p) || p.toString().endsWith(".jar") || p.toString().endsWith(".zip"))
                    .sorted().toList();
        } catch (IOException e) {
            failures.add(new PluginFailure(folder, "cannot list: " + e.getMessage()));
            return;
        }
        List<Started> started = new ArrayList<>();
        List<Path> trusted = new ArrayList<>();
        for (Path p : paths) {
            String untrusted = trust.pluginProblem(p, folder);
            if (untrusted != null) {
                failures.add(new PluginFailure(p, untrusted));
            } else {
                trusted.add(p);
            }
        }
        for (PluginCandidate c : withoutDuplicateIds(trusted)) {
            Started s = start(c.path());
            if (s != null) {
                started.add(s);
            }
        }
        for (Started s : withoutDuplicateTypes(started)) {
            List<String> provided = new ArrayList<>();
            s.types().forEach((name, type) -> {
                types.put(name, type);
                provided.add(name);
            });
            loaded.add(new LoadedPlugin(s.wrapper().getPluginId(), s.wrapper().getDescriptor().getVersion(), s.path(),
                    List.copyOf(provided)));
            if (provided.isEmpty()) {
                warnings.add(new PluginWarning(s.path(), noTypes(s.wrapper().getPluginId())));
            }
        }
    }

    /**
     * The candidates that look like plugins and whose id no other candidate claims. PF4J would load the
     * alphabetically first of two jars with one id and fail the other, which may be the one the user meant:
     * both are refused instead, each named in the other's failure.
     */
    private List<PluginCandidate> withoutDuplicateIds(List<Path> paths) {
        Map<String, List<PluginCandidate>> byId = new LinkedHashMap<>();
        for (Path p : paths) {
            PluginCandidate c = PluginCandidate.inspect(p, HOST_VERSION);
            if (c.problem() != null) {
                failures.add(new PluginFailure(p, c.problem()));
            } else {
                byId.computeIfAbsent(c.id(), k -> new ArrayList<>()).add(c);
            }
        }
        List<PluginCandidate> unique = new ArrayList<>();
        for (List<PluginCandidate> same : byId.values()) {
            if (same.size() == 1) {
                unique.add(same.get(0));
                continue;
            }
            for (PluginCandidate c : same) {
                failures.add(new PluginFailure(c.path(), "plugin id '" + c.id() + "' is also the id of "
                        + others(same.stream().map(PluginCandidate::path).toList(), c.path())
                        + "; none of them is loaded: keep one"));
            }
        }
        return unique;
    }

    /** Loads and starts one plugin and asks it for its outbound types; {@code null} (and a failure) when it cannot. */
    private Started start(Path path) {
        String id;
        try {
            id = manager.loadPlugin(path);
        } catch (RuntimeException | LinkageError e) {
            fail(path, e);
            return null;
        }
        PluginState state;
        try {
            state = manager.startPlugin(id);
        } catch (RuntimeException | LinkageError e) {
            fail(path, e);
            unload(id);
            return null;
        }
        PluginWrapper wrapper = manager.getPlugin(id);
        if (state != PluginState.STARTED) {
            Throwable cause = wrapper.getFailedException();
            if (cause != null) {
                log.debug("plugin {} did not start", path, cause);
            }
            Throwable notCreated = creationFailures.get(id);
            failures.add(new PluginFailure(path, notCreated != null
                    ? "its Plugin-Class " + wrapper.getDescriptor().getPluginClass() + " could not be created: "
                            + oneLine(notCreated.toString())
                    : wrapper.getPlugin() == null
                    ? "its Plugin-Class " + wrapper.getDescriptor().getPluginClass() + " could not be created"
                            + (cause != null ? " (" + reason(cause) + ")" : "")
                    : cause != null ? reason(cause) : "it did not start (state " + state + ")"));
            unload(id);
            return null;
        }
        Map<String, OutboundType> named = new LinkedHashMap<>();
        try {
            // Not manager.getExtensions: PF4J drops an extension it cannot create, or whose class it cannot load,
            // with a log line at most, and its type would just be missing.
            List<Class<? extends OutboundType>> classes = manager.getExtensionClasses(OutboundType.class, id);
            String unloadable = unloadableExtension(id, classes);
            if (unloadable != null) {
                failures.add(new PluginFailure(path, unloadable));
                unload(id);
                return null;
            }
            for (Class<? extends OutboundType> c : classes) {
                OutboundType t;
                try {
                    t = manager.getExtensionFactory().create(c);
                } catch (RuntimeException | LinkageError e) {
                    failures.add(new PluginFailure(path, "its outbound type " + c.getName() + " could not be created: "
                            + oneLine(unwrapped(e).toString())));
                    unload(id);
                    return null;
                }
                if (t == null) {
                    failures.add(new PluginFailure(path, "its outbound type " + c.getName() + " could not be created"));
                    unload(id);
                    return null;
                }
                String name;
                try {
                    name = t.type();
                } catch (RuntimeException | LinkageError e) {
                    failures.add(new PluginFailure(path, "its outbound type " + t.getClass().getName()
                            + " threw " + e + " when asked for its name"));
                    unload(id);
                    return null;
                }
                String wrong = name == null ? "no name (null)" : !TYPE_NAME.matcher(name).matches()
                        ? "the name '" + name.replaceAll("\\p{Cntrl}", "?") + "' (a type is lower case letters, digits, "
                                + "'.', '_' and '-', at most 32)"
                        : named.containsKey(name) ? "the name '" + name + "', which another of its types has too"
                        : HOST_TYPES.contains(name) ? "the name '" + name + "', a type Turnout implements itself ("
                                + String.join(", ", HOST_TYPES) + "); a plugin cannot take it over: rename the type"
                        : null;
                if (wrong != null) {
                    failures.add(new PluginFailure(path, "its outbound type " + t.getClass().getName() + " gives "
                            + wrong));
                    unload(id);
                    return null;
                }
                named.put(name, t);
            }
        } catch (RuntimeException | LinkageError e) {
            fail(path, e);
            unload(id);
            return null;
        }
        return new Started(wrapper, path, named);
    }

    /**
     * The started plugins none of whose outbound types another plugin also provides. Which one would win
     * depends on file names, so both are refused and unloaded, each named in the other's failure.
     */
    private List<Started> withoutDuplicateTypes(List<Started> started) {
        Map<String, List<Path>> providers = new LinkedHashMap<>();
        for (Started s : started) {
            for (String type : s.types().keySet()) {
                providers.computeIfAbsent(type, k -> new ArrayList<>()).add(s.path());
            }
        }
        List<Started> kept = new ArrayList<>();
        for (Started s : started) {
            String clash = null;
            for (String type : s.types().keySet()) {
                List<Path> same = providers.get(type);
                if (same.size() > 1 && clash == null) {
                    clash = "outbound type '" + type + "' is also provided by " + others(same, s.path())
                            + "; none of them is loaded: keep one";
                }
            }
            if (clash == null) {
                kept.add(s);
            } else {
                failures.add(new PluginFailure(s.path(), clash));
                unload(s.wrapper().getPluginId());
            }
        }
        return kept;
    }

    /**
     * Why one of the plugin's listed extensions (META-INF/extensions.idx) is not among {@code found}, when its
     * class cannot be loaded (PF4J leaves such a class out, logging it); {@code null} when every one loads.
     */
    private String unloadableExtension(String id, List<Class<? extends OutboundType>> found) {
        Set<String> names = new HashSet<>();
        found.forEach(c -> names.add(c.getName()));
        ClassLoader loader = manager.getPluginClassLoader(id);
        for (String name : manager.getExtensionClassNames(id)) {
            if (names.contains(name)) {
                continue;
            }
            try {
                Class.forName(name, false, loader);
            } catch (ClassNotFoundException | LinkageError e) {
                return "its extension class " + name + " cannot be loaded: " + oneLine(e.toString());
            }
        }
        return null;
    }

    /** Why a plugin that loaded provides no outbound type, most likely. */
    private String noTypes(String id) {
        Set<String> listed;
        try {
            listed = manager.getExtensionClassNames(id);
        } catch (RuntimeException e) {
            listed = Set.of();
        }
        return listed.isEmpty()
                ? "it provides no outbound type: it lists no extensions (no META-INF/extensions.idx), which PF4J's"
                        + " annotation processor writes for its @Extension classes; it did not run (pf4j must be on the"
                        + " compiler's class path or annotationProcessorPaths)"
                : "it provides no outbound type: none of its extensions (" + String.join(", ", listed)
                        + ") implements dev.turnout.api.OutboundType";
    }

    /** What a reflective call or PF4J's factory wrapped: the exception the plugin's own code threw. */
    private static Throwable unwrapped(Throwable e) {
        while ((e instanceof InvocationTargetException || e instanceof PluginRuntimeException
                || e instanceof ExceptionInInitializerError) && e.getCause() != null && e.getCause() != e) {
            e = e.getCause();
        }
        return e;
    }

    private static String oneLine(String s) {
        return s.replaceAll("\\s*\\R\\s*", " ");
    }

    private static String others(List<Path> all, Path self) {
        return String.join(" and ", all.stream().filter(p -> !p.equals(self)).map(Path::toString).toList());
    }

    private void fail(Path path, Throwable e) {
        log.debug("plugin {} failed", path, e);
        failures.add(new PluginFailure(path, reason(e)));
    }

    private void unload(String id) {
        try {
            manager.unloadPlugin(id);
        } catch (RuntimeException e) {
            log.debug("unloading {} after its failure also failed", id, e);
        }
    }

    /** The exception's message and its root cause's, on one line: a failure is one line of output. */
    private static String reason(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String msg = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        if (root != e && root.getMessage() != null && !msg.contains(root.getMessage())) {
            msg += ": " + root.getMessage();
        }
        return msg.replaceAll("\\s*\\R\\s*", " ");
    }

    public List<LoadedPlugin> plugins() {
        return Collections.unmodifiableList(loaded);
    }

    public List<PluginFailure> failures() {
        return Collections.unmodifiableList(failures);
    }

    /** Plugins that loaded but most likely not as their authors meant (one that provides no type). */
    public List<PluginWarning> warnings() {
        return Collections.unmodifiableList(warnings);
    }

    /** Outbound types by name, in the order their plugins loaded. */
    public Map<String, OutboundType> outboundTypes() {
        return Collections.unmodifiableMap(types);
    }

    @Override
    public void close() {
        try {
            // One by one, last started first, over a copy: PF4J 3.15's stopPlugins walks the list each stop removes
            // from, so it stopped the first plugin, threw, and left the rest running and loaded (pf4j#656).
            List<PluginWrapper> started = new ArrayList<>(manager.getStartedPlugins());
            Collections.reverse(started);
            for (PluginWrapper w : started) {
                manager.stopPlugin(w.getPluginId());
            }
            manager.unloadPlugins();
        } catch (RuntimeException e) {
            log.debug("stopping plugins", e);
        }
    }
}
