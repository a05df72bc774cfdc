import QtQuick
import QtTest
import Causerie.App
import Causerie.Ui

// Settings → Engine: the cache size limit is the setting, the size shown is the cache folder's,
// and Clear cache empties it and says so.
TestCase {
    id: testCase
    name: "EngineSettings"
    when: windowShown
    visible: true   // hidden by default; the controls must be clickable
    width: 700
    height: 600

    EngineSettings {
        id: page
        anchors.fill: parent
    }

    // A conversation of its own, answered: its state is saved in the cache.
    function answerSomething() {
        tryCompare(App.model, "state", LocalModel.Ready, 20000, "the tiny model is loaded")
        tryVerify(() => !App.chat.generating, 20000)
        App.newChat()
        verify(App.chat.send("Bonjour le cache"))
        tryVerify(() => !App.chat.generating, 20000)
    }

    function test_clearCacheEmptiesItAndSaysSo() {
        answerSomething()
        tryVerify(() => App.kvCache.size > 0, 10000, "the answer's state was saved")
        const size = findChild(page, "cacheSize")
        verify(size)
        compare(size.text, "Cache: " + App.kvCache.sizeText)
        verify(App.kvCache.sizeText !== Qt.locale().formattedDataSize(0))

        const button = findChild(page, "clearCache")
        verify(button)
        compare(button.text, "Clear cache")
        mouseClick(button)
        tryCompare(App.kvCache, "size", 0, 5000)
        const status = findChild(page, "cacheStatus")
        tryCompare(status, "text", "Cache cleared", 5000)
        compare(size.text, "Cache: " + App.kvCache.sizeText)

        // The next answer saves again: the note goes.
        answerSomething()
        tryVerify(() => App.kvCache.size > 0, 10000)
        tryCompare(status, "text", "", 5000)
    }

    function test_contextShiftIsTheSetting() {
        const box = findChild(page, "contextShift")
        verify(box)
        const before = App.settings.contextShift
        compare(box.checked, before)
        mouseClick(box)
        compare(App.settings.contextShift, !before)
        App.settings.contextShift = before
        compare(box.checked, before)
    }

    function test_budgetIsTheSetting() {
        const spin = findChild(page, "cacheBudget")
        verify(spin)
        const before = App.settings.cacheBudgetMiB
        compare(spin.value, before)
        spin.forceActiveFocus()
        keyClick(Qt.Key_Up)
        compare(App.settings.cacheBudgetMiB, before + spin.stepSize)
        keyClick(Qt.Key_Down)
        compare(App.settings.cacheBudgetMiB, before)
        // Set elsewhere, shown here.
        App.settings.cacheBudgetMiB = 1024
        compare(spin.value, 1024)
        App.settings.cacheBudgetMiB = before
    }

    // The KV cache precision: the choice is the setting (read back bounded: anything but q8_0 is F16).
    function test_kvTypeIsTheSetting() {
        const combo = findChild(page, "kvType")
        verify(combo)
        const before = App.settings.kvType
        compare(combo.currentValue, before)
        App.settings.kvType = "q8_0"
        compare(combo.currentValue, "q8_0")
        compare(combo.currentText, "Q8_0 (half the memory)")
        App.settings.kvType = "q4_0"
        compare(App.settings.kvType, "f16")
        compare(combo.currentValue, "f16")
        App.settings.kvType = before
    }
}
