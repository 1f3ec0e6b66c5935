package dev.turnout.host.config;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * YAML's merge keys ({@code <<: *anchor}), which mihomo's YAML library applies and configs use to share a group's or
 * a provider's settings: applied to the composed nodes, as SnakeYAML's constructor would apply them, since the config
 * is read from the nodes (they keep each value's line and column) and never constructed. A merged key keeps the
 * position of the anchor it came from; a key of the mapping's own wins over a merged one.
 *
 * <p>Also bounds what aliases make of the document: SnakeYAML shares an aliased node rather than copying it, but
 * whatever reads the nodes into values ({@code proxies:} options, sections) meets it once per alias, so a few lines of
 * nested aliases could stand for billions of values. mihomo's library refuses "excessive aliasing" likewise.
 */
final class MergeKeys extends SafeConstructor {

    /** At most this many nodes, counted as reading meets them (an aliased node once per alias). */
    static final int MAX_EXPANDED_NODES = 1_000_000;

    private MergeKeys(LoaderOptions options) {
        super(options);
    }

    /**
     * Applies every merge key of {@code root}.
     *
     * @throws IllegalArgumentException when aliases make the document more than {@link #MAX_EXPANDED_NODES} nodes
     * @throws org.yaml.snakeyaml.error.YAMLException when a merge key names something other than mappings
     */
    static void apply(Node root, LoaderOptions options) {
        new MergeKeys(options).flatten(root, Collections.newSetFromMap(new IdentityHashMap<>()));
        long expanded = count(root, 0);
        if (expanded > MAX_EXPANDED_NODES) {
            throw new IllegalArgumentException("its aliases make it more than " + MAX_EXPANDED_NODES
                    + " values (an alias stands for a whole copy of what its anchor names)");
        }
    }

    private void flatten(Node node, Set<Node> seen) {
        if (!seen.add(node)) {
            return; // an aliased node, done where it was first met
        }
        if (node instanceof MappingNode m) {
            if (m.isMerged()) {
                flattenMapping(m);
            }
            for (NodeTuple t : m.getValue()) {
                flatten(t.getValueNode(), seen);
            }
        } else if (node instanceof SequenceNode s) {
            for (Node n : s.getValue()) {
                flatten(n, seen);
            }
        }
    }

    /** The nodes under {@code node} as reading meets them, counting on from {@code sofar}; stops past the limit. */
    private static long count(Node node, long sofar) {
        long n = sofar + 1;
        if (node instanceof MappingNode m) {
            for (NodeTuple t : m.getValue()) {
                if (n > MAX_EXPANDED_NODES) {
                    return n;
                }
                n = count(t.getValueNode(), n + 1);
            }
        } else if (node instanceof SequenceNode s) {
            for (Node child : s.getValue()) {
                if (n > MAX_EXPANDED_NODES) {
                    return n;
                }
                n = count(child, n);
            }
        }
        return n;
    }
}
