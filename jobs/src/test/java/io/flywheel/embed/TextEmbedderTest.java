package io.flywheel.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Loads the real model (a few seconds, once for the class): keep this class small. */
class TextEmbedderTest {
  @Test
  void similarSentencesScoreHigherThanUnrelatedOnes() {
    List<float[]> v =
        TextEmbedder.embedAll(
            List.of(
                "A wireless mouse for a laptop computer",
                "Bluetooth mouse for notebook PCs",
                "Organic dark chocolate with sea salt"));
    double similar = Vectors.cosine(v.get(0), v.get(1));
    double unrelated = Vectors.cosine(v.get(0), v.get(2));
    assertThat(similar).isGreaterThan(unrelated + 0.3);
  }

  @Test
  void vectorsHave384DimensionsAndUnitLength() {
    List<float[]> vectors = TextEmbedder.embedAll(List.of("running shoes", "a", "Ein Buch über Kochen"), 2);
    assertThat(vectors).hasSize(3);
    for (float[] v : vectors) {
      assertThat(v).hasSize(TextEmbedder.DIMENSIONS);
      assertThat(Vectors.norm(v)).isCloseTo(1.0, within(1e-5));
    }
  }

  @Test
  void batchingAndSingleCallsGiveTheSameVectorsInOrder() {
    List<String> texts = List.of("red dress", "garden hose", "usb-c cable", "red dress");
    List<float[]> batched = TextEmbedder.embedAll(texts, 3);
    for (int i = 0; i < texts.size(); i++) {
      assertThat(Vectors.cosine(batched.get(i), TextEmbedder.embed(texts.get(i)))).isCloseTo(1.0, within(1e-5));
    }
    assertThat(Vectors.cosine(batched.get(0), batched.get(1))).isLessThan(0.9);
  }

  @Test
  void concurrentCallersShareOneModelAndGetTheSameAnswers() throws Exception {
    float[] expected = TextEmbedder.embed("stainless steel water bottle");
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      Callable<float[]> task = () -> TextEmbedder.embed("stainless steel water bottle");
      List<Future<float[]>> results = pool.invokeAll(List.of(task, task, task, task, task, task, task, task));
      for (Future<float[]> f : results) {
        assertThat(Vectors.cosine(f.get(), expected)).isCloseTo(1.0, within(1e-6));
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(TextEmbedder.modelsCreated()).isEqualTo(1);
  }
}
