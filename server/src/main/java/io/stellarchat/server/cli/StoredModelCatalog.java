package io.stellarchat.server.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stellarchat.server.chat.ModelRecord;
import io.stellarchat.server.chat.ModelRecordStore;
import io.stellarchat.server.config.ConfigException;
import io.stellarchat.server.config.ModelEntry;
import io.stellarchat.server.config.ModelEntryJson;
import io.stellarchat.server.config.ModelListReader;
import io.stellarchat.server.gateway.ModelCatalog;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's {@link ModelCatalog} over the chat database's {@link ModelRecordStore}: entries are written as
 * JSON in the {@code models.list} shape ({@link ModelEntryJson}) and read back through
 * {@link ModelListReader#readOne}, the same checks a file entry passes. It lives in the composition root so
 * that neither {@code chat} nor {@code gateway} imports the other.
 *
 * <p>A row this replica cannot read (a provider it does not declare, a shape an older version does not know)
 * is left out of the table and logged once per version of the row; the other rows still load. References to
 * fallbacks are not checked on reading: they were checked when the entry was written, and the router skips a
 * fallback that no longer exists.
 *
 * <p>Threads: safe for concurrent use (the store is; the set of rows already warned about is concurrent).
 */
final class StoredModelCatalog implements ModelCatalog {
    private static final Logger log = LoggerFactory.getLogger(StoredModelCatalog.class);
    private final ModelRecordStore store;
    private final List<String> providers;
    private final ObjectMapper json;
    private final Set<String> warned = ConcurrentHashMap.newKeySet();

    /**
     * @param providers the ids of the providers this replica declares
     */
    StoredModelCatalog(ModelRecordStore store, List<String> providers, ObjectMapper json) {
        this.store = store;
        this.providers = List.copyOf(providers);
        this.json = json;
    }

    @Override
    public List<Stored> load() {
        List<ModelRecord> rows = store.list();
        List<Stored> out = new ArrayList<>();
        for (ModelRecord row : rows) {
            if (row.entryJson() == null) {
                out.add(new Stored(row.id(), null, row.online()));
                continue;
            }
            try {
                out.add(new Stored(row.id(), entry(row), row.online()));
            } catch (ConfigException | JsonProcessingException | IllegalArgumentException e) {
                if (warned.add(row.id() + "@" + row.updated().toEpochMilli())) {
                    log.warn("model {} in the catalog is left out: {}", row.id(), e.getMessage());
                }
            }
        }
        return out;
    }

    private ModelEntry entry(ModelRecord row) throws JsonProcessingException {
        JsonNode node = json.readTree(row.entryJson());
        Set<String> known = new HashSet<>();
        for (String field : List.of("fallbacks", "context_fallbacks")) {
            node.path(field).forEach(n -> known.add(n.asText()));
        }
        known.remove(row.id()); // "its own fallback" stays an error
        ModelEntry e = ModelListReader.readOne(node, "model catalog", providers, known);
        if (!e.id().equals(row.id())) {
            throw new IllegalArgumentException("the row's id differs from its entry's id '" + e.id() + "'");
        }
        return e;
    }

    @Override
    public void put(Stored s) {
        store.put(s.id(), s.entry() == null ? null : ModelEntryJson.write(s.entry()).toString(), s.online());
    }

    @Override
    public boolean delete(String id) {
        return store.delete(id);
    }
}
