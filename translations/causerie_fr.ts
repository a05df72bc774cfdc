<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fr_FR">
<context>
    <name>Main</name>
    <message>
        <location filename="../ui/Main.qml" line="16"/>
        <location filename="../ui/Main.qml" line="24"/>
        <source>Causerie</source>
        <translation>Causerie</translation>
    </message>
    <message>
        <location filename="../ui/Main.qml" line="31"/>
        <source>Model: %1</source>
        <translation>Modèle : %1</translation>
    </message>
    <message>
        <location filename="../ui/Main.qml" line="32"/>
        <source>No model open yet.</source>
        <translation>Aucun modèle ouvert pour le moment.</translation>
    </message>
    <message>
        <location filename="../ui/Main.qml" line="37"/>
        <source>Data folder: %1</source>
        <translation>Dossier des données : %1</translation>
    </message>
    <message>
        <location filename="../ui/Main.qml" line="43"/>
        <source>Quit</source>
        <translation>Quitter</translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <location filename="../app/gui/main.cpp" line="60"/>
        <source>A chat client for local and remote language models</source>
        <translation>Un client de discussion pour modèles de langage locaux et distants</translation>
    </message>
    <message>
        <location filename="../app/gui/main.cpp" line="64"/>
        <source>Keep conversations and settings in &lt;dir&gt;.</source>
        <translation>Conserver les conversations et les réglages dans &lt;dir&gt;.</translation>
    </message>
    <message>
        <location filename="../app/gui/main.cpp" line="67"/>
        <source>Open the model &lt;file.gguf&gt;.</source>
        <translation>Ouvrir le modèle &lt;file.gguf&gt;.</translation>
    </message>
    <message>
        <location filename="../app/gui/main.cpp" line="70"/>
        <source>Interface language (en, fr).</source>
        <translation>Langue de l’interface (en, fr).</translation>
    </message>
</context>
</TS>
