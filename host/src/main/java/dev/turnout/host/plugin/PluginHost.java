package dev.turnout.host.plugin;

import dev.turnout.api.OutboundType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.pf4j.BasePluginLoader;
import org.pf4j.CompoundPluginLoader;
import org.pf4j.DefaultPluginClasspath;
import org.pf4j.DefaultPluginManager;
import org.pf4j.JarPluginLoader;
import org.pf4j.PluginClassLoader;
import org.pf4j.PluginDescriptor;
import org.pf4j.PluginLoader;
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
    private final Map<String, OutboundType> types = new LinkedHashMap<>();

    private PluginHost(Path folder) {
        this.manager = new DefaultPluginManager(folder) {
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
    }

    /** Loads and starts every plugin in {@code folder}; a missing folder means no plugins. */
    public static PluginHost load(Path folder) {
        PluginHost host = new PluginHost(folder);
        host.loadAll(folder);
        return host;
    }

    private void loadAll(Path folder) {
        if (!Files.isDirectory(folder)) {
            log.warn("plugin folder {} does not exist; no outbound plugins loaded", folder.toAbsolutePath());
            return;
        }
        List<Path> candidates;
        try (Stream<Path> s = Files.list(folder)) {
            candidates = s.filter(p -> Files.isDirectory(p) || p.toString().endsWith(".jar") || p.toString().endsWith(".zip"))
                    .sorted().toList();
        } catch (IOException e) {
            failures.add(new PluginFailure(folder, "cannot list: " + e.getMessage()));
            return;
        }
        Map<String, Path> pathsById = new LinkedHashMap<>();
        for (Path candidate : candidates) {
            try {
                String id = manager.loadPlugin(candidate);
                pathsById.put(id, candidate);
            } catch (RuntimeException | LinkageError e) {
                fail(candidate, e);
            }
        }
        for (Map.Entry<String, Path> e : pathsById.entrySet()) {
            String id = e.getKey();
            PluginState state;
            try {
                state = manager.startPlugin(id);
            } catch (RuntimeException | LinkageError ex) {
                fail(e.getValue(), ex);
                unload(id);
                continue;
            }
            PluginWrapper wrapper = manager.getPlugin(id);
            if (state != PluginState.STARTED) {
                Throwable cause = wrapper.getFailedException();
                failures.add(new PluginFailure(e.getValue(), cause != null ? reason(cause) : "state " + state));
                unload(id);
                continue;
            }
            collect(wrapper, e.getValue());
        }
        for (PluginFailure f : failures) {
            log.error("plugin {} failed to load: {}", f.path(), f.reason());
        }
    }

    private void collect(PluginWrapper wrapper, Path path) {
        List<String> provided = new ArrayList<>();
        try {
            for (OutboundType type : manager.getExtensions(OutboundType.class, wrapper.getPluginId())) {
                String name = type.type();
                OutboundType previous = types.putIfAbsent(name, type);
                if (previous != null) {
                    failures.add(new PluginFailure(path, "outbound type '" + name + "' is already provided by another plugin; ignored"));
                } else {
                    provided.add(name);
                }
            }
        } catch (RuntimeException | LinkageError e) {
            fail(path, e);
            return;
        }
        loaded.add(new LoadedPlugin(wrapper.getPluginId(), wrapper.getDescriptor().getVersion(), path,
                List.copyOf(provided)));
    }

    private void fail(Path path, Throwable e) {
        failures.add(new PluginFailure(path, reason(e)));
    }

    private void unload(String id) {
        try {
            manager.unloadPlugin(id);
        } catch (RuntimeException e) {
            log.debug("unloading {} after its failure also failed", id, e);
        }
    }

    private static String reason(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String msg = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        if (root != e && root.getMessage() != null && !msg.contains(root.getMessage())) {
            msg += ": " + root.getMessage();
        }
        return msg;
    }

    public List<LoadedPlugin> plugins() {
        return Collections.unmodifiableList(loaded);
    }

    public List<PluginFailure> failures() {
        return Collections.unmodifiableList(failures);
    }

    /** Outbound types by name, in the order their plugins loaded. */
    public Map<String, OutboundType> outboundTypes() {
        return Collections.unmodifiableMap(types);
    }

    @Override
    public void close() {
        try {
            manager.stopPlugins();
            manager.unloadPlugins();
        } catch (RuntimeException e) {
            log.debug("stopping plugins", e);
        }
    }
}
