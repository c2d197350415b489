package io.flywheel.udfs;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LanguageDetectorTest {

  @Test
  void detectsEnglish() {
    assertThat(LanguageDetector.detect("The kettle is quiet and it boils water for tea in two minutes."))
        .isEqualTo("en");
  }

  @Test
  void detectsGerman() {
    assertThat(LanguageDetector.detect(
            "Der Wasserkocher ist ideal für den täglichen Gebrauch. Er ist sehr leicht und einfach zu reinigen."))
        .isEqualTo("de");
  }

  @Test
  void detectsSpanish() {
    assertThat(LanguageDetector.detect(
            "El hervidor es perfecto para el uso diario. Es muy ligero y fácil de limpiar."))
        .isEqualTo("es");
  }

  @Test
  void detectsFrench() {
    assertThat(LanguageDetector.detect(
            "Le bouilloire est idéal pour un usage quotidien. Il est très léger et facile à nettoyer."))
        .isEqualTo("fr");
  }

  @Test
  void detectsJapaneseEvenWithLatinBrandName() {
    assertThat(LanguageDetector.detect("このNorvik kettleは毎日の使用に最適です。とても軽くて掃除が簡単です。"))
        .isEqualTo("ja");
  }

  @Test
  void detectsOtherScriptsByWritingSystem() {
    assertThat(LanguageDetector.detect("Очень хороший чайник, быстро кипятит воду.")).isEqualTo("ru");
    assertThat(LanguageDetector.detect("아주 좋은 주전자입니다")).isEqualTo("ko");
    assertThat(LanguageDetector.detect("非常好的水壶，烧水很快。")).isEqualTo("zh");
  }

  @Test
  void nullBlankAndLetterlessTextAreUndetermined() {
    assertThat(LanguageDetector.detect(null)).isEqualTo("und");
    assertThat(LanguageDetector.detect("   ")).isEqualTo("und");
    assertThat(LanguageDetector.detect("12.99 / 2024 - 42")).isEqualTo("und");
  }

  @Test
  void shortTextWithoutStopWordsIsUndetermined() {
    assertThat(LanguageDetector.detect("USB-C cable, 2 m")).isEqualTo("und");
  }

  @Test
  void longTextWithVeryFewStopWordsIsUndetermined() {
    // 21 words, one English stop word: under the 5% floor.
    String text = "the lorem ipsum dolor sit amet consectetur adipiscing elit sed eiusmod tempor incididunt "
        + "labore dolore magna aliqua enim minim veniam quis";
    assertThat(text.split(" ")).hasSize(21);
    assertThat(LanguageDetector.detect(text)).isEqualTo("und");
    assertThat(LanguageDetector.detect("the lorem ipsum dolor sit amet")).isEqualTo("en");
  }
}
