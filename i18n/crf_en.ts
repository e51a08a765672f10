<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="en_US" sourcelanguage="en">
<context>
    <name>CasebookPage</name>
    <message>
        <location filename="../qml/CasebookPage.qml" line="14" />
        <location filename="../qml/CasebookPage.qml" line="22" />
        <source>Subject %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/CasebookPage.qml" line="21" />
        <source>Subjects</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/CasebookPage.qml" line="23" />
        <source>definition %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/CasebookPage.qml" line="28" />
        <source>Sign casebook…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/CasebookPage.qml" line="62" />
        <source>Sign the casebook of %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/CasebookPage.qml" line="68" />
        <source>Meaning: I approve the data of this casebook as accurate and complete. Your signature records your printed name, the UTC time and every value of this subject. Enter your password to sign (21 CFR 11.50, 11.200).</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/CasebookPage.qml" line="71" />
        <source>Password</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/CasebookPage.qml" line="97" />
        <source>Consent: %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/CasebookPage.qml" line="103" />
        <source>No new study data: adverse events, vital status and the end of study stay open.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/CasebookPage.qml" line="113" />
        <source>Randomized: number %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/CasebookPage.qml" line="114" />
        <source>Not randomized</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/CasebookPage.qml" line="120" />
        <source>Record consent decision…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/CasebookPage.qml" line="127" />
        <source>Dosing and unblinding…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/CasebookPage.qml" line="127" />
        <source>Randomize…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/CasebookPage.qml" line="167" />
        <source>Overdue</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/CasebookPage.qml" line="167" />
        <source>Due today</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/CasebookPage.qml" line="195" />
        <source>not yet sent</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>ConsentState</name>
    <message>
        <location filename="../app/ui/language.cpp" line="40" />
        <source>Not included (screening data only)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/language.cpp" line="41" />
        <source>Emergency inclusion, consent to be sought</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/language.cpp" line="42" />
        <source>Relative consented, patient to be asked</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/language.cpp" line="43" />
        <source>Consent to continue given</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/language.cpp" line="44" />
        <source>Refused to continue (data kept)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/language.cpp" line="45" />
        <source>Withdrew (data kept)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/language.cpp" line="46" />
        <source>Died before consent could be sought</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/language.cpp" line="47" />
        <source>Lost to follow-up</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/language.cpp" line="48" />
        <source>Objected to the use of data (out of analysis)</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>Core</name>
    <message>
        <location filename="../app/trial/bedside_trial.cpp" line="158" />
        <source>a conflict is settled by saving the right value with its reason</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/trial/bedside_trial.cpp" line="159" />
        <source>a randomization query is reviewed by the data manager</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/trial/bedside_trial.cpp" line="170" />
        <source>not among the site's open queries on this tablet: sync, then answer</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/trial/bedside_trial.cpp" line="174" />
        <source>its state "%1" is unknown on this tablet: sync first</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/trial/bedside_trial.cpp" line="255" />
        <source>a recorded consent decision is not changed: record the next decision instead</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/trial/bedside_trial.cpp" line="272" />
        <source>participation has stopped (%1): no new study data; adverse events, vital status and the end of study stay open</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/trial/bedside_trial.cpp" line="305" />
        <source>already randomized with number %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/trial/bedside_trial.cpp" line="311" />
        <source>The box list of this site has not reached this tablet: take the lowest-numbered box on the shelf and enter the number printed on it.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/trial/bedside_trial.cpp" line="314" />
        <source>The allocation list of this site has not reached this tablet: sync once online before randomizing.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/trial/bedside_trial.cpp" line="329" />
        <source>No box left for this site on this tablet's list: take the box on the shelf and enter its number; the sponsor has been asked to resupply.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/trial/bedside_trial.cpp" line="333" />
        <source>Take box %1 (the lowest on the shelf) and confirm the number printed on it.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/trial/bedside_trial.cpp" line="335" />
        <source>Allocation number %1.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/trial/bedside_trial.cpp" line="406" />
        <source>enter the number printed on the box</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/trial/bedside_trial.cpp" line="411" />
        <source>subject %1 is already randomized (number %2)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/trial/bedside_trial.cpp" line="426" />
        <source>not met (%1): the patient cannot be randomized</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/trial/bedside_trial.cpp" line="435" />
        <source>Number %1 is not the lowest available (%2): saved as entered; the data manager will check it.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/trial/bedside_trial.cpp" line="452" />
        <source>allocation number %1 is not on this tablet's list for site %2: sync online, then randomize</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/change_event.cpp" line="323" />
        <source>marking a record %1 needs a reason (code and text); nothing is deleted (21 CFR 11.10(e))</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/change_event.cpp" line="330" />
        <source>a previously saved value is changed: a reason (code and text) is required (21 CFR 11.10(e))</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/consent.cpp" line="145" />
        <source>this decision is the patient's own (decided by: PATIENT)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/consent.cpp" line="149" />
        <source>decided by must be a relative, trusted person, legal representative or guardian</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/consent.cpp" line="154" />
        <source>decided by must be a relative, trusted person or legal representative</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/consent.cpp" line="156" />
        <source>decided by must be the guardian</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/consent.cpp" line="161" />
        <source>decided by is missing: the patient, a relative, trusted person, legal representative or the guardian</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/consent.cpp" line="167" />
        <source>no one decides this: leave decided by empty</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/consent.cpp" line="177" />
        <source>no inclusion is recorded for this subject: record the inclusion first</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/consent.cpp" line="179" />
        <source>the subject is already included (%1)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/consent.cpp" line="183" />
        <source>the objection to the use of data is final; the data stay out of analysis</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/consent.cpp" line="186" />
        <source>consent was given: a later stop is a withdrawal (record WITHDRAWS)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/consent.cpp" line="190" />
        <source>no consent was given to withdraw: record a refusal to continue (REFUSES_CONTINUATION)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/consent.cpp" line="195" />
        <source>consent was already decided (%1): record the death in the end-of-study form</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/consent.cpp" line="199" />
        <source>a relative has already consented: the patient is to be asked now</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/consent.cpp" line="201" />
        <source>consent cannot be recorded after: %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/consent.cpp" line="202" />
        <source>%1 is not possible after: %2</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/consent.cpp" line="300" />
        <source>missing: which decision is recorded</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/consent.cpp" line="301" />
        <source>unknown decision '%1'</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/consent.cpp" line="305" />
        <source>unknown '%1'</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/consent.cpp" line="309" />
        <source>missing or not an ISO 8601 date-time</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/query.cpp" line="84" />
        <source>say what is in question</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/query.cpp" line="86" />
        <source>write the answer (a changed value still needs its own reason)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/query.cpp" line="87" />
        <source>say why</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/query.cpp" line="92" />
        <source>no such query</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/query.cpp" line="93" />
        <source>not possible on a query that is %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/titration.cpp" line="87" />
        <source>stepped down below the first level: infusion stopped</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/titration.cpp" line="107" />
        <source>Start at %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/titration.cpp" line="110" />
        <source>Run at %1; next increase to %2 when the timer ends</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/titration.cpp" line="115" />
        <source>Run at %1 until the end of the 48 h infusion</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/titration.cpp" line="118" />
        <source>Run at %1; step down one level when the timer ends (%2)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/titration.cpp" line="122" />
        <source>%1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/titration.cpp" line="126" />
        <source>Infusion stopped: %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/titration.cpp" line="129" />
        <source>48 h infusion completed</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/titration.cpp" line="142" />
        <source>MAP &lt; 65 mmHg: give fluids and increase norepinephrine by 25 %</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/titration.cpp" line="152" />
        <source>PaO2/FiO2 &lt; 100 after an increase</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/titration.cpp" line="170" />
        <source>MAP &lt; 50 mmHg for more than 5 min without another cause</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/titration.cpp" line="177" />
        <source>severe bleeding: do not restart</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/titration.cpp" line="190" />
        <source>Stopped for surgery: may resume 6 h after</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/domain/event_rules.cpp" line="41" />
        <source>study %1 is not served by this gateway</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/domain/event_rules.cpp" line="45" />
        <source>version %1 of %2 is not served here (current: %3)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/domain/event_rules.cpp" line="51" />
        <source>unknown visit %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/domain/event_rules.cpp" line="54" />
        <source>form %1 is not scheduled at visit %2</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/domain/event_rules.cpp" line="58" />
        <source>unknown form %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/domain/event_rules.cpp" line="60" />
        <source>form %1 does not repeat</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/domain/event_rules.cpp" line="68" />
        <source>not an item of form %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/domain/event_rules.cpp" line="72" />
        <source>site-only (identifying) data must never leave the site</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/domain/event_rules.cpp" line="75" />
        <source>derived values are computed, never sent</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/result.h" line="72" />
        <source>%1: %2</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/domain/photo_domain.cpp" line="51" />
        <source>photo of %1 bytes refused: the limit is %2 bytes</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/domain/photo_domain.cpp" line="57" />
        <source>chunk runs past the announced size</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/domain/photo_domain.cpp" line="103" />
        <source>the received bytes do not match the digest: upload again from the start</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/app_core.cpp" line="365" />
        <source>not logged in online: %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/app_core.cpp" line="372" />
        <location filename="../app/app_core.cpp" line="444" />
        <source>%1. %2</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/app_core.cpp" line="460" />
        <source>too many wrong passwords on this tablet: %1 can only log in online now (with the network)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/app_core.cpp" line="466" />
        <source>too many wrong passwords on this tablet: try again in %1 s</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/app_core.cpp" line="469" />
        <source>too many wrong passwords on this tablet: try again in %1 min</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/app_core.cpp" line="623" />
        <source>you hold no role at a site of %1 (ask the administrator)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/app_core.cpp" line="655" />
        <source>offline: user id or password is wrong, or this user never logged in online on this tablet (%1)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/app_core.cpp" line="694" />
        <source>log in online on this tablet first</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/app_core.cpp" line="699" />
        <source>the password is wrong: not signed</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/app_core.cpp" line="702" />
        <source>only an investigator signs (you are logged in as %1)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/app_core.cpp" line="742" />
        <source>the password is wrong</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/sync/sync_client.cpp" line="123" />
        <source>gateway refused this tablet: %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/sync/sync_client.h" line="36" />
        <source>gateway unreachable at %1 (changes are kept on this tablet)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/sync/sync_client.h" line="38" />
        <source>gateway at %1 did not answer in time (changes are kept on this tablet)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/sync/sync_client.h" line="39" />
        <source>sync failed (%1): %2</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/sync/sync_client.h" line="43" />
        <source>gateway at %1 cannot sync now: %2 (changes are kept on this tablet)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/sync/sync_engine.cpp" line="136" />
        <source>the gateway reports more bytes than the photo has</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/sync/sync_engine.cpp" line="155" />
        <source>the gateway does not move forward</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/sync/sync_engine.cpp" line="161" />
        <source>corrupted twice in transit; kept for the next sync</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/sync/sync_engine.cpp" line="319" />
        <source>sync made no progress at change %1; the changes are kept and will be sent again</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/sync/sync_engine.cpp" line="396" />
        <source>the gateway acknowledged none of %1 changes; they are kept and will be sent again</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/sync/sync_engine.cpp" line="531" />
        <source>the gateway's history differs again from the one just pulled: sync again later</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/identity/access_control.cpp" line="137" />
        <source>your roles do not read trial data</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/identity/access_control.cpp" line="139" />
        <source>you may not read site %1 of study %2 (you read: %3)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/identity/access_control.cpp" line="145" />
        <source>your roles do not upload photos</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/identity/access_control.cpp" line="152" />
        <source>you may not upload photos for site "%1" (you enter data for: %2)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/identity/access_control.cpp" line="158" />
        <source>your roles do not read photos</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/identity/access_control.cpp" line="163" />
        <source>this photo belongs to a site you do not read</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/identity/access_control.cpp" line="168" />
        <location filename="../gateway/identity/access_control.cpp" line="323" />
        <source>unknown call</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/identity/access_control.cpp" line="180" />
        <source>you may not read the consent worklist of site "%1" (you read: %2)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/identity/access_control.cpp" line="190" />
        <source>your roles do not read study %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/identity/access_control.cpp" line="195" />
        <source>you may not read the boxes of site "%1"</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/identity/access_control.cpp" line="202" />
        <source>only the sponsor's data manager loads treatment boxes</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/identity/access_control.cpp" line="209" />
        <source>only the unblinded statistician loads the allocation list</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/identity/access_control.cpp" line="218" />
        <source>subject %1 is not known at the gateway yet</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/identity/access_control.cpp" line="222" />
        <source>only an investigator of the subject's site may unblind it</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/identity/access_control.cpp" line="232" />
        <source>the trial report is for the sponsor, the data managers and the unblinded statistician</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/identity/access_control.cpp" line="244" />
        <source>the ODM export is for the sponsor, the data managers and the unblinded statistician</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/identity/access_control.cpp" line="253" />
        <location filename="../gateway/identity/access_control.cpp" line="271" />
        <source>subject %1 is not known at the gateway</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/identity/access_control.cpp" line="256" />
        <source>only a monitor of site %1 marks its data verified</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/identity/access_control.cpp" line="263" />
        <source>you may not read the verification of site "%1"</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/identity/access_control.cpp" line="273" />
        <source>data managers and the site's monitors open queries</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/identity/access_control.cpp" line="286" />
        <source>your roles do not handle queries</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/identity/access_control.cpp" line="290" />
        <source>the site's staff answer queries</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/identity/access_control.cpp" line="291" />
        <source>the data desk closes, reopens or cancels queries</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/identity/access_control.cpp" line="298" />
        <source>you may not read the queries of site "%1"</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/identity/access_control.cpp" line="309" />
        <source>central review is for the central assessor</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/identity/access_control.cpp" line="319" />
        <source>the review report is for the sponsor, the data managers and the unblinded statistician</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/identity/access_control.cpp" line="360" />
        <source>your roles do not enter data</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/identity/access_control.cpp" line="363" />
        <source>this session belongs to device %1, not %2</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/identity/access_control.cpp" line="367" />
        <source>event %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/identity/access_control.cpp" line="369" />
        <source>%1 comes from another device</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/identity/access_control.cpp" line="371" />
        <source>%1 is for site %2 of study %3: you enter data for %4 only</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/identity/access_control.cpp" line="383" />
        <source>%1 is a signature by a %2: only an investigator signs</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/identity/access_control.cpp" line="387" />
        <source>%1 is signed by user "%2" as %3, a role not held at site %4</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/identity/identity.cpp" line="29" />
        <source>user id or password is wrong</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/identity/identity.cpp" line="188" />
        <source>the device id is missing or not valid</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/identity/identity.cpp" line="199" />
        <location filename="../gateway/identity/identity.cpp" line="314" />
        <source>this account is disabled</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/identity/identity.cpp" line="203" />
        <source>this account is locked after repeated failed logins until %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/identity/identity.cpp" line="222" />
        <source>too many failed logins: this account is locked until %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/identity/identity.cpp" line="232" />
        <source>the device's enrolment secret is too short</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/identity/identity.cpp" line="239" />
        <source>this device is not enrolled at this gateway</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/identity/identity.cpp" line="246" />
        <location filename="../gateway/identity/identity.cpp" line="310" />
        <source>this device has been revoked: ask the gateway administrator</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/identity/identity.cpp" line="251" />
        <source>this device's credential is wrong (restored or copied tablet?)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/identity/identity.cpp" line="289" />
        <source>not logged in (no session token)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/identity/identity.cpp" line="295" />
        <source>the session is not known: log in again</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/identity/identity.cpp" line="300" />
        <source>the session has ended: log in again</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/identity/identity.cpp" line="304" />
        <source>the session has expired: log in again</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/crt.cpp" line="43" />
        <source>"%1" is not a capillary refill site (FINGER or KNEE)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/crt.cpp" line="79" />
        <source>finish or cancel the measurement under way before changing the site</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/crt.cpp" line="88" />
        <source>a measurement is under way</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/crt.cpp" line="98" />
        <source>press first</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/crt.cpp" line="101" />
        <location filename="../core/crt.cpp" line="117" />
        <source>the clock went backwards during the measurement: measure again</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/crt.cpp" line="112" />
        <source>no refill within 60 s: measure again or record the value by hand</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/crt.cpp" line="114" />
        <source>release the pressure first</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/crt.cpp" line="165" />
        <source>Press the glass slide on the pad of the index finger until it blanches, and hold</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/crt.cpp" line="167" />
        <source>Press on the knee until the skin blanches, and hold</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/crt.cpp" line="171" />
        <source>Keep pressing: %1 s</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/crt.cpp" line="173" />
        <source>Release now</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/crt.cpp" line="174" />
        <source>Release when blanched (held %1 s)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/crt.cpp" line="177" />
        <source>Refilling %1 s: tap when the colour returns</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/crt.cpp" line="180" />
        <source>No refill within 60 s: measure again or record the value by hand</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/study/form_engine.cpp" line="100" />
        <source>%1: "%2" is not a number</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/study/form_engine.cpp" line="104" />
        <source>%1 must be a whole number</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/study/form_engine.cpp" line="114" />
        <source>%1: unit "%2" is not accepted here</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/study/form_engine.cpp" line="120" />
        <source>%1 must be between %4 and %5%3; %2 is not possible</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/study/form_engine.cpp" line="121" />
        <source>%1 must be at least %4%3; %2 is not possible</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/study/form_engine.cpp" line="122" />
        <source>%1 must be at most %4%3; %2 is not possible</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/study/form_engine.cpp" line="125" />
        <source>%1 %2%3 is unusual (expected between %4 and %5%3): check and confirm</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/study/form_engine.cpp" line="126" />
        <source>%1 %2%3 is unusual (expected at least %4%3): check and confirm</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/study/form_engine.cpp" line="127" />
        <source>%1 %2%3 is unusual (expected at most %4%3): check and confirm</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/study/form_engine.cpp" line="132" />
        <source>%1: answer yes or no</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/study/form_engine.cpp" line="136" />
        <source>%1: a date is written YYYY-MM-DD</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/study/form_engine.cpp" line="140" />
        <source>%1: a date and time is written YYYY-MM-DDTHH:MM</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/study/form_engine.cpp" line="148" />
        <source>%1: "%2" is not one of the choices</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/study/form_engine.cpp" line="231" />
        <source>%1 is required: enter it, or give the reason it is missing</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/domain/query_domain.cpp" line="56" />
        <source>no query M-%1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/domain/query_domain.cpp" line="106" />
        <source>"%1": only queries opened by hand (M-...) take actions; a conflict closes when resolved by a new value with its reason, a randomization query by the data manager's review</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/domain/trial_domain.cpp" line="328" />
        <source>say why the arm must be known now (at least 10 characters)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/domain/trial_domain.cpp" line="334" />
        <source>subject %1 has no randomization at the gateway yet</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/domain/trial_domain.cpp" line="340" />
        <source>the allocation of number %1 is not loaded: call the unblinding line</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/store/tablet_store.cpp" line="37" />
        <source>the tablet's storage is full: nothing of this was written and nothing saved before is lost; free space on the tablet, then try again</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/store/tablet_store.cpp" line="54" />
        <source>the tablet's store failed: %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/store/tablet_store.cpp" line="432" />
        <source>the database exists but its key is missing from %1; refusing to open or replace it (nothing was changed)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/store/tablet_store.cpp" line="469" />
        <source>cannot be opened: wrong key, or not an encrypted CRF database (the file was left untouched)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/store/tablet_store.cpp" line="473" />
        <source>the database file is damaged (the file was left untouched)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/store/tablet_store.cpp" line="479" />
        <source>missing: this store's photos are kept there; restore it from the same backup as the store (nothing was changed)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/store/tablet_store.cpp" line="526" />
        <source>schema version %1 is newer than this app (%2); update the app (nothing was changed)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/store/tablet_store.cpp" line="559" />
        <source>cannot prepare the database: %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/store/tablet_store.cpp" line="930" />
        <source>a signature saves no value</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/store/tablet_store.cpp" line="1022" />
        <source>not saved (nothing was changed): %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/store/tablet_store.cpp" line="1087" />
        <location filename="../app/store/tablet_store.cpp" line="1199" />
        <location filename="../app/store/tablet_store.cpp" line="1215" />
        <location filename="../app/store/tablet_store.cpp" line="1574" />
        <location filename="../app/sync/sync_client.cpp" line="200" />
        <source>an event cannot be read (database damaged?)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/store/tablet_store.cpp" line="1103" />
        <source>too large: %1 bytes, the limit is %2</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/store/tablet_store.cpp" line="1123" />
        <source>not stored: %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/store/tablet_store.cpp" line="1146" />
        <source>not in this tablet's store</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/store/tablet_store.cpp" line="1491" />
        <source>page not applied (cursor unchanged): %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/store/tablet_store.cpp" line="1506" />
        <source>an unsent event cannot be read (database damaged?)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/store/tablet_store.cpp" line="1520" />
        <source>re-sequencing failed (nothing changed): %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/store/tablet_store.cpp" line="1535" />
        <source>the gateway's change %1 from this tablet is not the one this tablet made: nothing was queued again</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/store/tablet_store.cpp" line="1728" />
        <source>not remembered on this tablet: %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/store/tablet_store.cpp" line="1835" />
        <source>not signed (nothing was changed): %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/photo.cpp" line="24" />
        <source>damaged JPEG: marker expected at byte %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/photo.cpp" line="38" />
        <source>damaged JPEG: segment overruns the file at byte %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/photo.cpp" line="50" />
        <source>damaged JPEG: no image data</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/photo.cpp" line="62" />
        <source>damaged PNG: chunk overruns the file at byte %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/photo.cpp" line="72" />
        <source>damaged PNG: no IEND chunk</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/photo.cpp" line="84" />
        <source>only JPEG and PNG photos are accepted</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/packing.cpp" line="53" />
        <source>events come both packed and unpacked</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/packing.cpp" line="62" />
        <source>the packed events cannot be read</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/packing.cpp" line="105" />
        <location filename="../core/packing.cpp" line="114" />
        <source>the packed events are damaged</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/packing.cpp" line="107" />
        <source>the packed events are larger than %1 bytes</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/service/auth_service.cpp" line="29" />
        <source>the gateway's storage failed (%1): tell the trial's data manager if this lasts</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/password.cpp" line="80" />
        <source>Only an online login (with the network) opens this tablet to you now</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/password.cpp" line="85" />
        <source>After %1 more wrong password(s), each try on this tablet must wait</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../core/password.cpp" line="89" />
        <source>Try again in %1 min; after %2 more wrong password(s), only an online login (with the network) opens this tablet to you</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../gateway/domain/sync_domain.cpp" line="301" />
        <source>already the id of event %1 of device %2</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>CrtStopwatchPanel</name>
    <message>
        <location filename="../qml/CrtStopwatchPanel.qml" line="32" />
        <source>Capillary refill</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/CrtStopwatchPanel.qml" line="35" />
        <source>Finger</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/CrtStopwatchPanel.qml" line="42" />
        <source>Knee</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/CrtStopwatchPanel.qml" line="71" />
        <source>Release</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/CrtStopwatchPanel.qml" line="71" />
        <source>Hold here while pressing</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/CrtStopwatchPanel.qml" line="79" />
        <source>held %1 s</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/CrtStopwatchPanel.qml" line="99" />
        <source>Colour returned
%1 s</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/CrtStopwatchPanel.qml" line="112" />
        <source>Written into the form: save it to keep the measurement; each measurement is one entry of this form.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/CrtStopwatchPanel.qml" line="119" />
        <source>Cancel measurement</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/CrtStopwatchPanel.qml" line="127" />
        <source>Close</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>FormItem</name>
    <message>
        <location filename="../qml/FormItem.qml" line="66" />
        <source>site only</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormItem.qml" line="79" />
        <source>computed</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormItem.qml" line="100" />
        <source>Stopwatch</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormItem.qml" line="112" />
        <source>Now</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormItem.qml" line="145" />
        <source>Yes</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormItem.qml" line="151" />
        <source>No</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormItem.qml" line="175" />
        <source>Choose…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormItem.qml" line="187" />
        <source>Take photo…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormItem.qml" line="199" />
        <source>Replace photo…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormItem.qml" line="199" />
        <source>Import photo…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormItem.qml" line="219" />
        <source>Photo recorded (taken on another tablet: held at the gateway)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormItem.qml" line="261" />
        <source>Confirmed</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormItem.qml" line="271" />
        <source>Reason missing…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormItem.qml" line="280" />
        <source>Conflict: another value was entered for this item at the same time. The value shown is the one kept; both are in the audit trail. Save the correct value with a reason to resolve the query.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormItem.qml" line="288" />
        <source>Missing: %1%2</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>FormPage</name>
    <message>
        <location filename="../qml/FormPage.qml" line="57" />
        <source>Cancel</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormPage.qml" line="60" />
        <source>Take photo</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormPage.qml" line="74" />
        <source>Photo of the knees</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormPage.qml" line="75" />
        <source>Photos (*.jpg *.jpeg *.png)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormPage.qml" line="91" />
        <source>Casebook</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormPage.qml" line="97" />
        <source>subject %1 · %2</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormPage.qml" line="98" />
        <source>entry</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormPage.qml" line="120" />
        <source>This record is marked ENTERED IN ERROR. Its values are kept in the audit trail.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormPage.qml" line="150" />
        <source>Open data queries on this form: %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormPage.qml" line="168" />
        <source>Answered here, sent at the next sync: </source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormPage.qml" line="169" />
        <source>Answered: </source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormPage.qml" line="175" />
        <source>Changed on two tablets: save the right value with its reason to resolve it.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormPage.qml" line="184" />
        <source>Answer (correct the value above if needed, with its reason)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormPage.qml" line="189" />
        <source>Answer</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormPage.qml" line="216" />
        <source>Eligible: every criterion is met</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormPage.qml" line="217" />
        <source>Not eligible</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormPage.qml" line="218" />
        <source>Eligibility incomplete</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormPage.qml" line="230" />
        <source>%1 criteria not yet decided: %2</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormPage.qml" line="275" />
        <source>Discard</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormPage.qml" line="343" />
        <location filename="../qml/FormPage.qml" line="438" />
        <source>Unsaved changes</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormPage.qml" line="346" />
        <source>Restore record…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormPage.qml" line="346" />
        <source>Entered in error…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormPage.qml" line="354" />
        <source>Sign…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormPage.qml" line="361" />
        <location filename="../qml/FormPage.qml" line="453" />
        <source>Save</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormPage.qml" line="375" />
        <source>Why is this value missing?</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormPage.qml" line="383" />
        <source>Details</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormPage.qml" line="390" />
        <source>Restore this record</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormPage.qml" line="390" />
        <source>Mark this record entered in error</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormPage.qml" line="395" />
        <source>Nothing is deleted: the record is marked and every value stays in the audit trail. Give the reason.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormPage.qml" line="396" />
        <source>Reason</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormPage.qml" line="407" />
        <source>Sign this form</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormPage.qml" line="413" />
        <source>Meaning: I approve the data of this form as accurate and complete. Your signature records your printed name, the UTC time and exactly these values. Enter your password to sign (21 CFR 11.50, 11.200).</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormPage.qml" line="416" />
        <source>Password</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormPage.qml" line="445" />
        <source>This form has input that is not saved, and it could not be kept on this tablet: leaving now loses it. Save it, or stay until it can be kept.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormPage.qml" line="446" />
        <source>This form has input that is not saved. It is kept on this tablet and shown again when the form is opened; it is not in the record until it is saved.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormPage.qml" line="461" />
        <source>Leave, keep for later</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormPage.qml" line="468" />
        <source>Discard changes</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormPage.qml" line="476" />
        <source>Stay</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormPage.qml" line="487" />
        <source>Reason for change</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormPage.qml" line="492" />
        <source>A saved value is being changed. Give the reason (21 CFR 11.10(e)).</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/FormPage.qml" line="494" />
        <source>Explain the change</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>LoginPage</name>
    <message>
        <location filename="../qml/LoginPage.qml" line="38" />
        <location filename="../qml/LoginPage.qml" line="104" />
        <source>Log in</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/LoginPage.qml" line="38" />
        <source>Locked</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/LoginPage.qml" line="44" />
        <source>%1 · gateway %2</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/LoginPage.qml" line="45" />
        <source>Locked after inactivity. %1 (%2), enter your password to go on where you left off.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/LoginPage.qml" line="53" />
        <source>User id</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/LoginPage.qml" line="61" />
        <source>Password</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/LoginPage.qml" line="70" />
        <source>An open form has input that could not be kept on this tablet (its storage is full). Switching user now loses it: unlock and save it first.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/LoginPage.qml" line="89" />
        <source>Switch user</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/LoginPage.qml" line="89" />
        <source>Switch anyway, lose it</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/LoginPage.qml" line="104" />
        <source>Unlock</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/LoginPage.qml" line="120" />
        <source>Without a network, a user who logged in online on this tablet before can log in; changes are kept and sent later.</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>Main</name>
    <message>
        <location filename="../qml/Main.qml" line="12" />
        <source>CRF tablet</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>RandomizationPage</name>
    <message>
        <location filename="../qml/RandomizationPage.qml" line="13" />
        <source>Randomization of %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/RandomizationPage.qml" line="21" />
        <source>Casebook</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/RandomizationPage.qml" line="51" />
        <source>Number printed on the box</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/RandomizationPage.qml" line="51" />
        <source>Allocation number</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/RandomizationPage.qml" line="63" />
        <source>Confirm and randomize</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/RandomizationPage.qml" line="71" />
        <source>Only an investigator randomizes.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/RandomizationPage.qml" line="86" />
        <source>Randomized with box %1. The box holds the study drug or placebo: the arm stays hidden.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/RandomizationPage.qml" line="87" />
        <source>Randomized with number %1: %2</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/RandomizationPage.qml" line="99" />
        <source>Dosing plan</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/RandomizationPage.qml" line="101" />
        <source>Ideal body weight: %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/RandomizationPage.qml" line="107" />
        <source>Step %1: %2 ng/kg/min = %3 mL/h</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/RandomizationPage.qml" line="113" />
        <source>The rates are the same for every box.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/RandomizationPage.qml" line="126" />
        <source>Titration: %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/RandomizationPage.qml" line="131" />
        <source>next step in %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/RandomizationPage.qml" line="139" />
        <source>Start infusion</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/RandomizationPage.qml" line="140" />
        <source>MAP &lt; 65</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/RandomizationPage.qml" line="141" />
        <source>PaO2/FiO2 &lt; 100</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/RandomizationPage.qml" line="142" />
        <source>Resolved</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/RandomizationPage.qml" line="143" />
        <source>MAP &lt; 50 &gt; 5 min</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/RandomizationPage.qml" line="144" />
        <source>Severe bleeding</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/RandomizationPage.qml" line="145" />
        <source>Surgery</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/RandomizationPage.qml" line="146" />
        <source>Resume</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/RandomizationPage.qml" line="159" />
        <source>Emergency unblinding</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/RandomizationPage.qml" line="161" />
        <source>Only when the treating team must know the drug now. The request, your name and the reason are recorded and the sponsor is alerted.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/RandomizationPage.qml" line="166" />
        <source>Reason</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/RandomizationPage.qml" line="168" />
        <source>Unblind this subject</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>ReviewMain</name>
    <message>
        <location filename="../qml/ReviewMain.qml" line="14" />
        <source>Central mottling review</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/ReviewMain.qml" line="38" />
        <source>Central review</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/ReviewMain.qml" line="41" />
        <source>%1 · central assessors only · online</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/ReviewMain.qml" line="46" />
        <source>User id</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/ReviewMain.qml" line="53" />
        <source>Password</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/ReviewMain.qml" line="70" />
        <source>Log in</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>ReviewPage</name>
    <message>
        <location filename="../qml/ReviewPage.qml" line="13" />
        <source>Central mottling review · %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/ReviewPage.qml" line="29" />
        <source>%1 of %2 left to score</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/ReviewPage.qml" line="32" />
        <source>Refresh</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/ReviewPage.qml" line="38" />
        <source>Log out</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/ReviewPage.qml" line="75" />
        <source>to score</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/ReviewPage.qml" line="91" />
        <source>Photo %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/ReviewPage.qml" line="91" />
        <source>No photo open</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/ReviewPage.qml" line="123" />
        <source>Mottling score</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/ReviewPage.qml" line="128" />
        <source>Extent of mottling from the knee (Ait-Oufella 2011). Tap the score you read on the photo.</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>SubjectListPage</name>
    <message>
        <location filename="../qml/SubjectListPage.qml" line="10" />
        <source>Subjects</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/SubjectListPage.qml" line="20" />
        <source>The tablet database cannot be opened: %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/SubjectListPage.qml" line="26" />
        <source>Subject number</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/SubjectListPage.qml" line="27" />
        <source>Initials</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/SubjectListPage.qml" line="30" />
        <source>Register subject</source>
        <translation type="unfinished" />
    </message>
    <message numerus="yes">
        <location filename="../qml/SubjectListPage.qml" line="55" />
        <source>Consent to seek: %n subject(s)</source>
        <translation><numerusform>Consent to seek: %n subject</numerusform><numerusform>Consent to seek: %n subjects</numerusform></translation>
    </message>
    <message>
        <location filename="../qml/SubjectListPage.qml" line="65" />
        <source>OVERDUE</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/SubjectListPage.qml" line="66" />
        <source>next reminder %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/SubjectListPage.qml" line="83" />
        <source>visit due today</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/SubjectListPage.qml" line="84" />
        <source>visit overdue</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/SubjectListPage.qml" line="85" />
        <source>consent awaited</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/SubjectListPage.qml" line="86" />
        <source>open query</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/SubjectListPage.qml" line="87" />
        <source>conflict</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/SubjectListPage.qml" line="88" />
        <source>changes not yet sent</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/SubjectListPage.qml" line="102" />
        <source>%1 · %2</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/SubjectListPage.qml" line="136" />
        <source>site %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/SubjectListPage.qml" line="139" />
        <source>Visit overdue</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/SubjectListPage.qml" line="140" />
        <source>Visit due today</source>
        <translation type="unfinished" />
    </message>
    <message numerus="yes">
        <location filename="../qml/SubjectListPage.qml" line="142" />
        <source>%n open query(ies)</source>
        <translation><numerusform>%n open query</numerusform><numerusform>%n open queries</numerusform></translation>
    </message>
    <message numerus="yes">
        <location filename="../qml/SubjectListPage.qml" line="143" />
        <source>%n conflict(s)</source>
        <translation><numerusform>%n conflict</numerusform><numerusform>%n conflicts</numerusform></translation>
    </message>
    <message>
        <location filename="../qml/SubjectListPage.qml" line="144" />
        <source>not yet sent</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/SubjectListPage.qml" line="162" />
        <source>No subjects yet. Register one above, or sync to receive the site's subjects.</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>SyncBar</name>
    <message>
        <location filename="../qml/SyncBar.qml" line="18" />
        <source>site</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/SyncBar.qml" line="22" />
        <source>All changes sent</source>
        <translation type="unfinished" />
    </message>
    <message numerus="yes">
        <location filename="../qml/SyncBar.qml" line="22" />
        <source>%n change(s) not yet sent</source>
        <translation><numerusform>%n change not yet sent</numerusform><numerusform>%n changes not yet sent</numerusform></translation>
    </message>
    <message numerus="yes">
        <location filename="../qml/SyncBar.qml" line="28" />
        <source>%n photo(s) not yet sent</source>
        <translation><numerusform>%n photo not yet sent</numerusform><numerusform>%n photos not yet sent</numerusform></translation>
    </message>
    <message>
        <location filename="../qml/SyncBar.qml" line="31" />
        <source>Last sync: %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/SyncBar.qml" line="35" />
        <source>Syncing…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../qml/SyncBar.qml" line="35" />
        <source>Sync</source>
        <translation type="unfinished" />
    </message>
    <message numerus="yes">
        <location filename="../qml/SyncBar.qml" line="53" />
        <source>%n change(s) refused by the gateway (kept on this tablet and in the audit trail). Latest: %1</source>
        <translation><numerusform>%n change refused by the gateway (kept on this tablet and in the audit trail). Latest: %1</numerusform><numerusform>%n changes refused by the gateway (kept on this tablet and in the audit trail). Latest: %1</numerusform></translation>
    </message>
    <message>
        <location filename="../qml/SyncBar.qml" line="63" />
        <source>Last sync failed: %1</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>TitrationPhase</name>
    <message>
        <location filename="../app/ui/trial_controller.cpp" line="346" />
        <source>not started</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/trial_controller.cpp" line="346" />
        <source>stepping up</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/trial_controller.cpp" line="347" />
        <source>holding</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/trial_controller.cpp" line="347" />
        <source>stepping down</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/trial_controller.cpp" line="348" />
        <source>paused</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/trial_controller.cpp" line="348" />
        <source>stopped</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/trial_controller.cpp" line="349" />
        <source>completed</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>crf::ui::CrtStopwatchModel</name>
    <message>
        <location filename="../app/ui/crt_stopwatch_model.cpp" line="143" />
        <source>%1 s: %2 (abnormal above %3 s)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/crt_stopwatch_model.cpp" line="143" />
        <source>abnormal</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/crt_stopwatch_model.cpp" line="143" />
        <source>normal</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/crt_stopwatch_model.cpp" line="145" />
        <source>; pressure held %1 s, the protocol asks 10 s</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>crf::ui::FormModel</name>
    <message>
        <location filename="../app/ui/form_model.cpp" line="147" />
        <source>What you typed is not kept on this tablet yet (%1). Save the form, or keep this page open.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/form_model.cpp" line="182" />
        <source>Unsaved input from %1 was kept on this tablet and is shown again: save it, or discard it.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/form_model.cpp" line="699" />
        <location filename="../app/ui/form_model.cpp" line="723" />
        <source>%1 is not a photo item of this form</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/form_model.cpp" line="706" />
        <source>The photo %1 cannot be read</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/form_model.cpp" line="710" />
        <source>The photo %1 is too large (%2 MB; the limit is %3 MB)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/form_model.cpp" line="727" />
        <source>The camera gave no picture: take the photo again</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/form_model.cpp" line="734" />
        <source>The photo could not be encoded: take it again</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/form_model.cpp" line="737" />
        <source>from the camera</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/form_model.cpp" line="747" />
        <source>The photo %1 was not kept: %2</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/form_model.cpp" line="750" />
        <source>Photo kept in the encrypted store; save the form to record it.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/form_model.cpp" line="796" />
        <source>Answer not accepted: </source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/form_model.cpp" line="868" />
        <source>Marked entered in error; the values stay in the audit trail.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/form_model.cpp" line="869" />
        <source>Record restored.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/form_model.cpp" line="879" />
        <source>Not connected to the tablet store.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/form_model.cpp" line="886" />
        <source>Not saved: correct the values marked in red first.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/form_model.cpp" line="887" />
        <source>Not saved: confirm the unusual values and give a value or a reason for each required item.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/form_model.cpp" line="931" />
        <source>Nothing changed.</source>
        <translation type="unfinished" />
    </message>
    <message numerus="yes">
        <location filename="../app/ui/form_model.cpp" line="931" />
        <source>Saved on this tablet (%n value(s)).</source>
        <translation><numerusform>Saved on this tablet (%n value).</numerusform><numerusform>Saved on this tablet (%n values).</numerusform></translation>
    </message>
    <message>
        <location filename="../app/ui/form_model.cpp" line="975" />
        <source>Signed by %1 on %2: %3</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/form_model.cpp" line="977" />
        <source>Signature of %1 (%2) broken: the data changed since. A new signature is needed.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/form_model.cpp" line="995" />
        <source>Signed.</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>crf::ui::PhotoCamera</name>
    <message>
        <location filename="../app/ui/photo_camera.cpp" line="35" />
        <location filename="../app/ui/photo_camera.cpp" line="76" />
        <source>No camera on this device: import the photo from a file.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/photo_camera.cpp" line="48" />
        <source>The camera failed: %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/photo_camera.cpp" line="56" />
        <source>The photo was not taken: %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/photo_camera.cpp" line="76" />
        <source>Start the camera first.</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>crf::ui::ReviewDesk</name>
    <message>
        <location filename="../app/review/review_desk.cpp" line="71" />
        <source>The gateway at %1 is out of reach, so nothing was sent: check the network, then try again.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/review/review_desk.cpp" line="94" />
        <source>Enter your user id and password.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/review/review_desk.cpp" line="163" />
        <source>No photo to score yet: photos appear here once the gateway has verified them.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/review/review_desk.cpp" line="192" />
        <source>Open a photo first.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/review/review_desk.cpp" line="214" />
        <source>%1 scored %2.</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>crf::ui::SessionController</name>
    <message>
        <location filename="../app/ui/session_controller.cpp" line="186" />
        <source>never</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/session_controller.cpp" line="244" />
        <source>Subject number: use 1 to 20 letters, digits or dashes.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/session_controller.cpp" line="248" />
        <source>Initials: use 1 to 4 letters.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/session_controller.cpp" line="260" />
        <source>This subject is already registered.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/session_controller.cpp" line="262" />
        <source>Subject registered.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/session_controller.cpp" line="412" />
        <source>Casebook signed by %1 on %2</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/session_controller.cpp" line="413" />
        <source>Casebook signature of %1 (%2) broken: data changed since. A new signature is needed.</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>crf::ui::TrialController</name>
    <message>
        <location filename="../app/ui/trial_controller.cpp" line="159" />
        <source>Conflict</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/trial_controller.cpp" line="161" />
        <source>Query open</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/trial_controller.cpp" line="163" />
        <source>Entered in error</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/trial_controller.cpp" line="165" />
        <source>Changed since signed</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/trial_controller.cpp" line="167" />
        <source>Signed</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/trial_controller.cpp" line="169" />
        <source>Complete</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/trial_controller.cpp" line="171" />
        <source>Partial</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/trial_controller.cpp" line="174" />
        <source>None recorded</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/trial_controller.cpp" line="174" />
        <source>Empty</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../app/ui/trial_controller.cpp" line="334" />
        <source>Box %1: %2. Recorded in the security log; the sponsor has been alerted.</source>
        <translation type="unfinished" />
    </message>
</context>
</TS>