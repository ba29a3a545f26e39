package io.stellarchat.server.gateway;

import io.stellarchat.server.config.ModelEntry;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The models clients may name, at one moment: an immutable snapshot, replaced whole when the admin API or
 * another replica changes an entry (readers never see half a change).
 *
 * @param routes  by id, in listing order (local models first, then the file's remote entries, then the API's)
 * @param byName  ids and aliases → route
 */
record ModelTable(Map<String, Route> routes, Map<String, Route> byName) {

    /** Where an entry came from: the configuration (read-only but for its status) or the admin API. */
    enum Source { FILE, API }

    /**
     * One model.
     *
     * @param entry  its declaration (a local one has a path; a remote one upstreams)
     * @param online whether it answers itself ({@code status: offline} sends its requests to its fallbacks)
     * @param source where it was declared
     */
    record Route(ModelEntry entry, boolean online, Source source) {
        String id() {
            return entry.id();
        }

        boolean local() {
            return entry.isLocal();
        }

        Route withOnline(boolean on) {
            return new Route(entry, on, source);
        }
    }

    ModelTable {
        routes = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(routes));
        byName = Map.copyOf(byName);
    }

    static ModelTable of(Collection<Route> list) {
        Map<String, Route> routes = new LinkedHashMap<>();
        Map<String, Route> names = new LinkedHashMap<>();
        for (Route r : list) {
            routes.put(r.id(), r);
        }
        for (Route r : routes.values()) {
            for (String alias : r.entry().aliases()) {
                names.putIfAbsent(alias, r);
            }
        }
        names.putAll(routes); // an id wins over another model's alias
        return new ModelTable(routes, names);
    }

    Optional<Route> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    List<Route> list() {
        return List.copyOf(routes.values());
    }
}
