package io.stellarchat.engine.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stellarchat.engine.gguf.GgmlType;
import java.lang.foreign.Arena;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

@Isolated // changes a system property
class KernelSelectionTest {

    private final String saved = System.getProperty(Kernels.PROPERTY);

    @AfterEach
    void restore() {
        if (saved == null) {
            System.clearProperty(Kernels.PROPERTY);
        } else {
            System.setProperty(Kernels.PROPERTY, saved);
        }
    }

    @Test
    void selectPicksThePreferredVectorSpeciesByDefault() {
        System.clearProperty(Kernels.PROPERTY);
        Kernels k = Kernels.selectJava();
        int bits = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        assertEquals("vector (" + bits + "-bit, " + (bits / 32) + " floats), q8 activations"
                + (bits < 256 ? " (scalar integer kernels)" : ", " + Math.min(bits, 512) + "-bit integer kernels"),
                k.description());
        assertNotSame(k, Kernels.selectJava(), "no singleton: each call builds an instance the caller holds");
        assertEquals("java-" + bits, k.kernelSet());
        // select() is these Java kernels, or the native library over them where engine-native was built
        Kernels chosen = Kernels.select();
        assertTrue(chosen.description().equals(k.description())
                || (chosen.kernelSet().startsWith("native-") && chosen.description().endsWith(" over " + k.description())),
                chosen.description());
    }

    @Test
    void thePropertySwitchesTheVectorPathOff() {
        System.setProperty(Kernels.PROPERTY, "scalar");
        assertTrue(Kernels.select().description().startsWith("scalar"));
        System.setProperty(Kernels.PROPERTY, "fast");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, Kernels::select);
        assertTrue(e.getMessage().contains("stellar.kernels"));
    }

    @Test
    void forcedSpeciesAreReportedAndOddSizesRejected() {
        assertEquals("vector (128-bit, 4 floats), q8 activations (scalar integer kernels)",
                Kernels.vector(128).description());
        assertEquals("vector (256-bit, 8 floats), q8 activations, 256-bit integer kernels",
                Kernels.vector(256).description());
        assertEquals("vector (512-bit, 16 floats), q8 activations, 512-bit integer kernels",
                Kernels.vector(512).description());
        assertEquals("vector (256-bit, 8 floats), f32 activations, 256-bit integer kernels",
                Kernels.vector(256).withActivations(ActivationPrecision.F32).description());
        assertThrows(IllegalArgumentException.class, () -> Kernels.vector(96));
    }

    @Test
    void unsupportedTypesAndBadShapesFailWithTheTensorName() {
        for (Kernels k : new Kernels[] {Kernels.scalar(), Kernels.vector()}) {
            try (Arena arena = Arena.ofConfined()) {
                Tensor iq = new Tensor("blk.0.iq", GgmlType.IQ2_XS, new long[] {256, 1}, arena.allocate(74));
                UnsupportedOperationException u = assertThrows(UnsupportedOperationException.class,
                        () -> k.dot(iq, 0, new float[256], 0));
                assertTrue(u.getMessage().contains("blk.0.iq") && u.getMessage().contains("IQ2_XS"));

                Tensor ragged = new Tensor("ragged", GgmlType.Q8_0, new long[] {40, 1}, arena.allocate(68));
                assertThrows(IllegalArgumentException.class, () -> k.dot(ragged, 0, new float[40], 0));

                Tensor shortData = new Tensor("short", GgmlType.Q8_0, new long[] {32, 2}, arena.allocate(34));
                assertThrows(IllegalArgumentException.class, () -> k.dot(shortData, 0, new float[32], 0));

                Tensor w = RandomTensors.random(arena, GgmlType.Q8_0, 2, 32, 1);
                assertThrows(IndexOutOfBoundsException.class, () -> k.dot(w, 2, new float[32], 0));
                assertThrows(IndexOutOfBoundsException.class, () -> k.dot(w, 0, new float[32], 1));
                assertThrows(IndexOutOfBoundsException.class,
                        () -> k.matVec(w, new float[32], 0, new float[1], 0, 0, 2));
                assertThrows(IndexOutOfBoundsException.class,
                        () -> k.matMul(w, new float[64], 2, new float[3], 0, 2));
                assertThrows(IndexOutOfBoundsException.class,
                        () -> k.matMul(w, new float[64], 2, new float[4], 1, 3));
            }
        }
    }
}
