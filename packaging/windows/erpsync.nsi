; The per-user installer of ERPSync (NSIS 3): no administrator rights, installs into
; %LOCALAPPDATA%\Programs\ERPSync, a Start-menu entry, an optional desktop shortcut and an optional start at
; login (in the tray). Installing a newer version over an older one replaces the program and keeps the data.
; The uninstaller removes the program, its shortcuts and its registry entries; the user's data (state database,
; settings, logs) and keyring entries stay unless "Remove my data" is ticked (or /REMOVEDATA given with /S).
;
;   makensis -DVERSION=0.1.0 -DNUMERIC_VERSION=0.1.0.0 -DPAYLOAD=dist\ERPSync -DOUTFILE=dist\ERPSync-0.1.0-setup.exe
;            packaging\windows\erpsync.nsi
;
; Silent:  ERPSync-0.1.0-setup.exe /S [/D=C:\path]     Uninstall.exe /S [/REMOVEDATA]
; -DSTANDIN compiles against a payload without ERPSync.exe (the Linux build, to check this script off Windows).

Unicode true
ManifestDPIAware true

!include "MUI2.nsh"
!include "LogicLib.nsh"
!include "FileFunc.nsh"
!include "Sections.nsh"

!ifndef VERSION
  !error "give the version: -DVERSION=x.y.z (python packaging/build_info.py version)"
!endif
!ifndef NUMERIC_VERSION
  !error "give the four-number version: -DNUMERIC_VERSION=x.y.z.0 (python packaging/build_info.py numeric-version)"
!endif
!ifndef PAYLOAD
  !define PAYLOAD "..\..\dist\ERPSync"
!endif
!ifndef OUTFILE
  !define OUTFILE "..\..\dist\ERPSync-${VERSION}-setup.exe"
!endif
!ifndef ICON
  !define ICON "..\..\resources\icons\app.ico"
!endif

!define APP "ERPSync"
!define EXE "ERPSync.exe"
!define PUBLISHER "ERPSync"
!define APP_KEY "Software\ERPSync"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\ERPSync"
; the same value the app's own "Start at login" switch writes (erpsync_gui/app/autostart.py)
!define RUN_KEY "Software\Microsoft\Windows\CurrentVersion\Run"
!define RUN_VALUE "ERPSync"
!define START_MINIMIZED "--minimized"
; platformdirs' per-user data folder of the app (data, logs and cache are all inside it)
!define DATA_DIR "$LOCALAPPDATA\ERPSync"

!ifndef STANDIN
  !if ! /FileExists "${PAYLOAD}\${EXE}"
    !error "${PAYLOAD}\${EXE} not found: build the app first (pyinstaller packaging/erpsync.spec)"
  !endif
!endif

Name "${APP}"
OutFile "${OUTFILE}"
RequestExecutionLevel user
InstallDir "$LOCALAPPDATA\Programs\${APP}"
InstallDirRegKey HKCU "${APP_KEY}" "InstallDir"
SetCompressor /SOLID lzma
BrandingText "${APP} ${VERSION}"

VIProductVersion "${NUMERIC_VERSION}"
VIFileVersion "${NUMERIC_VERSION}"
VIAddVersionKey "ProductName" "${APP}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "FileDescription" "${APP} ${VERSION} setup"
VIAddVersionKey "CompanyName" "${PUBLISHER}"
VIAddVersionKey "LegalCopyright" "Copyright ${PUBLISHER}"

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_ABORTWARNING
!define MUI_COMPONENTSPAGE_NODESC
!define MUI_FINISHPAGE_RUN "$INSTDIR\${EXE}"
!define MUI_FINISHPAGE_RUN_TEXT "Start ${APP} now"

!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_COMPONENTS
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "English"

; -- a running ERPSync holds its files open: it is closed first --------------------------------------------

!macro CLOSE_RUNNING UN
Function ${UN}CloseRunning
  ; find.exe exits 0 when tasklist lists the program among this user's processes
  ReadEnvStr $1 "USERNAME"
  nsExec::Exec '"$SYSDIR\cmd.exe" /C ""$SYSDIR\tasklist.exe" /NH /FI "IMAGENAME eq ${EXE}" /FI "USERNAME eq $1" | "$SYSDIR\find.exe" /I "${EXE}""'
  Pop $0
  ${If} $0 == "0"
    MessageBox MB_OKCANCEL|MB_ICONINFORMATION "${APP} is running. OK closes it (a sync in progress stops and carries on at its next run)." /SD IDOK IDOK close
    Abort
    close:
    nsExec::Exec '"$SYSDIR\taskkill.exe" /F /IM "${EXE}" /FI "USERNAME eq $1"'
    Pop $0
    Sleep 1000
  ${EndIf}
FunctionEnd
!macroend
!insertmacro CLOSE_RUNNING ""
!insertmacro CLOSE_RUNNING "un."

; -- install -----------------------------------------------------------------------------------------------

Section "${APP}" SecProgram
  SectionIn RO
  Call CloseRunning
  SetOutPath "$INSTDIR"
  ; an upgrade replaces the whole bundle: libraries the new version no longer ships must not linger
  RMDir /r "$INSTDIR\_internal"
  File /r "${PAYLOAD}\*"
  WriteUninstaller "$INSTDIR\Uninstall.exe"
  CreateShortcut "$SMPROGRAMS\${APP}.lnk" "$INSTDIR\${EXE}" "" "$INSTDIR\${EXE}" 0

  WriteRegStr HKCU "${APP_KEY}" "InstallDir" "$INSTDIR"
  WriteRegStr HKCU "${APP_KEY}" "Version" "${VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "${APP}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\${EXE},0"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\Uninstall.exe"'
  WriteRegStr HKCU "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\Uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  IntFmt $0 "0x%08X" $0
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "EstimatedSize" "$0"
SectionEnd

Section /o "Desktop shortcut" SecDesktop
  CreateShortcut "$DESKTOP\${APP}.lnk" "$INSTDIR\${EXE}" "" "$INSTDIR\${EXE}" 0
SectionEnd

Section "Start at login (in the tray)" SecAutostart
  WriteRegStr HKCU "${RUN_KEY}" "${RUN_VALUE}" '"$INSTDIR\${EXE}" ${START_MINIMIZED}'
SectionEnd

; what was chosen against is undone, so an upgrade's choices are the ones in force
Section "-ApplyChoices"
  ${IfNot} ${SectionIsSelected} ${SecDesktop}
    Delete "$DESKTOP\${APP}.lnk"
  ${EndIf}
  ${IfNot} ${SectionIsSelected} ${SecAutostart}
    DeleteRegValue HKCU "${RUN_KEY}" "${RUN_VALUE}"
  ${EndIf}
SectionEnd

Function .onInit
  ; an upgrade offers what is in place now: the desktop shortcut and start at login as they are
  ReadRegStr $0 HKCU "${APP_KEY}" "InstallDir"
  ${If} $0 != ""
    ${If} ${FileExists} "$DESKTOP\${APP}.lnk"
      !insertmacro SelectSection ${SecDesktop}
    ${EndIf}
    ReadRegStr $1 HKCU "${RUN_KEY}" "${RUN_VALUE}"
    ${If} $1 == ""
      !insertmacro UnselectSection ${SecAutostart}
    ${EndIf}
  ${EndIf}
FunctionEnd

; -- uninstall ---------------------------------------------------------------------------------------------

Section "un.${APP}" UnSecProgram
  SectionIn RO
  Call un.RemoveAll
SectionEnd

Section /o "un.Remove my data (profiles, state database, logs and saved passwords)" UnSecData
SectionEnd

Function un.onInit
  ${GetParameters} $0
  ClearErrors
  ${GetOptions} $0 "/REMOVEDATA" $1
  ${IfNot} ${Errors}
    !insertmacro SelectSection ${UnSecData}
  ${EndIf}
FunctionEnd

Function un.RemoveAll
  Call un.CloseRunning
  ${If} ${SectionIsSelected} ${UnSecData}
    ; the app deletes its keyring entries (their names are in its database), then its folders
    ExecWait '"$INSTDIR\${EXE}" --remove-user-data' $0
    RMDir /r "${DATA_DIR}"
  ${EndIf}
  Delete "$SMPROGRAMS\${APP}.lnk"
  Delete "$DESKTOP\${APP}.lnk"
  DeleteRegValue HKCU "${RUN_KEY}" "${RUN_VALUE}"
  ; only what the installer put there: a folder the user chose may hold other files
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\${EXE}"
  Delete "$INSTDIR\Uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKCU "${UNINSTALL_KEY}"
  DeleteRegKey HKCU "${APP_KEY}"
FunctionEnd
