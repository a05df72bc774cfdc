import QtQuick
import Causerie.App

// An answer's pieces (prose and code blocks, MessageSegmentModel), one slot each, but a piece's
// items (MessageSegment: text layout, code box) are made only while its slot is near what the
// chat view shows: a 1 MB answer is ~500 pieces, and holding them all made every frame walk and
// every scroll move all their nodes (bench_gui_stall --hostile). A slot away from the view is an
// empty item as tall as the piece was when last shown, or as estimated from its length before.
// The slots are placed here, not by a Column: a Column walks all its slots whenever one changes
// height, i.e. on every streamed delta; here a slot that changes height moves only the slots after
// it, and the one that grows while an answer streams is the last.
Item {
    id: root

    implicitHeight: 0   // the last slot's bottom (place())

    property alias markdown: segments.markdown
    // Or, read in C++ as it changes: a cell of another model (MessageSegmentModel).
    property alias sourceModel: segments.sourceModel
    property alias sourceRow: segments.sourceRow
    property alias sourceRole: segments.sourceRole
    // The range that needs items, in this item's coordinates (the view's, widened by the caller).
    // Unbounded by default: outside a view everything is made.
    property real viewTop: -Infinity
    property real viewBottom: Infinity
    // Whether pieces are made at all (the text is still split: `count`, `empty`).
    property bool active: true

    readonly property alias count: pieces.count
    readonly property alias empty: segments.empty

    // The slots with items: [first, last] (none when last < first).
    property int first: 0
    property int last: -1

    // Each slot's bottom, in order, as place() put them: what updateMade() bisects. Kept here
    // because every call from script into C++ (the Repeater's itemAt()) makes an object for the
    // script engine to collect: asked per streamed delta, they set off a collection every second
    // or two (a few ms each on the GUI thread, bench_gui_stall --gc). Numbers in an array make none.
    property var bottoms: []
    // Slots were added or removed since updateMade(): their indexes moved, every slot in the
    // range is told again (else only those entering or leaving it).
    property bool slotsMoved: true

    // Puts the slots from `from` on below the one before each, and the answer's height after the
    // last. A slot not made yet (the Repeater adds a batch one by one) stops it: placed when added.
    function place(from) {
        const n = pieces.count
        const b = bottoms
        from = Math.min(from, b.length)   // a slot before it was not placed yet
        let bottom = from > 0 ? b[from - 1] : 0
        for (let i = from; i < n; ++i) {
            const s = pieces.itemAt(i)
            if (!s) {
                b.length = i
                return
            }
            s.y = bottom
            bottom += s.height
            b[i] = bottom
        }
        b.length = n
        implicitHeight = bottom
    }
    // Slot `index` (the item `slot`) changed height: it and the slots after it are placed again,
    // from its own position (the one that grows while an answer streams is the last: no call).
    function resized(index, slot) {
        const b = bottoms
        if (index >= b.length)
            return   // not placed yet: placed when the slots before it are
        b[index] = slot.y + slot.height
        place(index + 1)
    }

    // Which slots meet the range, by bisection (the slots are placed in order), and only the
    // slots entering or leaving it are told. Deferred to the next turn of the event loop and done
    // once per turn: deciding it in each slot's bindings would make a loop (making a piece's items
    // changes its height, so whether it and the following ones meet the range), and would
    // evaluate every slot on every scroll.
    function updateMade() {
        updateScheduled = false
        const n = pieces.count
        const b = bottoms
        // The Repeater is still adding the slots (or is dropping them: the answer's items are
        // being destroyed): told again once placed.
        if (b.length !== n)
            return
        let lo = 0
        let hi = n
        while (lo < hi) {
            const mid = (lo + hi) >> 1
            if (b[mid] < viewTop)
                lo = mid + 1
            else
                hi = mid
        }
        const from = lo
        hi = n
        while (lo < hi) {
            const mid = (lo + hi) >> 1
            if ((mid > 0 ? b[mid - 1] : 0) <= viewBottom)   // the slot's top
                lo = mid + 1
            else
                hi = mid
        }
        const to = active ? lo - 1 : from - 1
        const all = slotsMoved
        for (let i = first; i <= last && i < n; ++i) {
            if (i < from || i > to) {
                const s = pieces.itemAt(i)
                if (s)
                    s.near = false
            }
        }
        for (let i = from; i <= to; ++i) {
            if (all || i < first || i > last) {
                const s = pieces.itemAt(i)
                if (s)
                    s.near = true
            }
        }
        first = from
        last = to
        slotsMoved = false
    }
    // Once per turn of the event loop; Qt.callLater asked once (a call into C++ makes an object
    // to collect, and a streamed delta moves the range and the height: several per delta).
    property bool updateScheduled: false
    function scheduleUpdate() {
        if (updateScheduled)
            return
        updateScheduled = true
        // Qt.callLater: Qt 6.4's qmllint takes it for a property.
        Qt.callLater(updateMade)   // qmllint disable type
    }
    onViewTopChanged: scheduleUpdate()
    onViewBottomChanged: scheduleUpdate()
    onHeightChanged: scheduleUpdate()
    onWidthChanged: scheduleUpdate()
    onActiveChanged: scheduleUpdate()

    Repeater {
        id: pieces
        model: MessageSegmentModel { id: segments }
        onCountChanged: root.scheduleUpdate()
        onItemAdded: index => { root.slotsMoved = true; root.place(index) }
        onItemRemoved: index => { root.slotsMoved = true; root.place(index) }
        // The delegate and the Component inside it: Qt 6.4's qmllint cannot see that `root`,
        // `segments` and `slot` are in scope there (they are: the QML context; Qt 6.5's
        // "pragma ComponentBehavior: Bound" makes it checkable).
        // qmllint disable unqualified
        delegate: Loader {
            id: slot
            objectName: "segmentSlot"
            // Not the piece's text: a `string` property declared in QML holds a script-engine
            // copy of its value, made again on every streamed delta (up to 4 KiB of code a delta;
            // the engine collects after ~128 KiB of them: a collection every few dozen deltas,
            // a few ms each on the GUI thread). Its length stands for it (`chars`); the piece's
            // items read it in C++, a formula is given its LaTeX (short, and its own piece).
            required property int index
            required property string kind
            required property int chars    // what the piece shows, in characters
            required property string latex         // a formula's LaTeX, else ""
            required property string latexSource   // a formula as written, else ""
            required property string language
            required property bool closed
            required property bool plain   // prose shown as text: its text, not its Markdown
            required property int part     // code: a piece of a long block (MessageSegmentModel)
            required property bool continues
            required property bool joinsLine
            required property int offset

            // Set by updateMade(); made at once when the range is unbounded (outside a view).
            property bool near: root.active && root.viewTop === -Infinity && root.viewBottom === Infinity
            // The height the piece had when last shown; -1: never shown.
            property real measured: -1
            // Before it is first shown: its lines, each wrapped at the view's width (counted in
            // C++ from the model's row, again as it grows: `chars`), times the height a line
            // took on average (prose 15 px, paragraph spacing included; code 14 px monospace,
            // plus the code box's header on a block's first piece and its bottom padding on the
            // last), as measured on bench_gui_stall's answer.
            // Off by a few per cent there; a piece takes its real height once made. A function,
            // so that a shown piece (most often the one streaming) never counts its lines.
            function estimate() {
                const code = kind === "code"
                const perLine = Math.max(10, code ? (width - 16) / 8.4 : width / 7.5)
                // `chars` read here: the binding below is evaluated again when the piece grows.
                const lines = chars >= 0 ? segments.wrappedLines(index, perLine) : 0
                return code ? (part === 0 ? 42 : 0) + (continues ? 0 : 8) + 13 * lines : 12.6 * lines
            }

            width: root.width
            // A Loader's item is a QObject to qmllint; here the MessageSegment below.
            height: item ? item.implicitHeight : measured >= 0 ? measured : estimate()   // qmllint disable type
            onHeightChanged: root.resized(index, slot)
            // The slot is the Loader: a slot away from the view is one item, one scene graph node.
            active: near
            sourceComponent: Component {
                MessageSegment {
                    objectName: "messageSegment"
                    width: slot.width
                    kind: slot.kind
                    // Prose and code are read from `segments` in C++ (blockSource, row): a
                    // binding passing the piece's text made a script string of it on every
                    // delta (up to a 200 KB code line), and their garbage cost collections of up
                    // to 11 ms on the GUI thread. Only a formula (short, and its own piece) is
                    // passed here (the model's `latex` roles are "" for other pieces).
                    text: slot.latex
                    language: slot.language
                    markdown: slot.latexSource
                    closed: slot.closed
                    plain: slot.plain
                    part: slot.part
                    continues: slot.continues
                    joinsLine: slot.joinsLine
                    offset: slot.offset
                    blockSource: segments
                    row: slot.index
                    onImplicitHeightChanged: slot.measured = implicitHeight
                    Component.onCompleted: slot.measured = implicitHeight
                }
            }
        }
        // qmllint enable unqualified
    }
}
